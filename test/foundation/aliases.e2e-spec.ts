import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
// Plain CommonJS helpers of the tooling, loaded as the tools load them.
const { tsconfigAliases } = require('../../scripts/tsconfig-aliases') as {
  tsconfigAliases(): { alias: string; target: string }[];
};
const jestConfig = require('../../jest.config.js') as { moduleNameMapper: Record<string, string> };

describe('the @app/* import aliases', () => {
  const paths = (
    JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { paths: Record<string, string[]> };
    }
  ).compilerOptions.paths;
  const expected = Object.entries(paths)
    .filter(([alias]) => !alias.endsWith('/*'))
    .map(([alias, [target]]) => ({ alias, target }));

  it('are read from tsconfig.json paths', () => {
    expect(expected.length).toBeGreaterThanOrEqual(4);
    expect(tsconfigAliases()).toEqual(expected);
  });

  it('are the ones Jest maps, each to its folder', () => {
    expect(jestConfig.moduleNameMapper).toEqual(
      Object.fromEntries(expected.map(({ alias, target }) => [`^${alias}(|/.*)$`, `<rootDir>/${target}$1`])),
    );
  });

  it('resolve under scripts/ts-register.js (the dev scripts and process tests) to the same folders', () => {
    const script = `for (const alias of ${JSON.stringify(expected.map((entry) => entry.alias))})
      console.log(require('path').relative(process.cwd(), require.resolve(alias)));`;
    const run = spawnSync(process.execPath, ['-r', './scripts/ts-register.js', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual(expected.map(({ target }) => join(target, 'index.ts')));
  });
});

#!/usr/bin/env node
// The typed TypeScript client's types: `npm run client:generate` runs openapi-typescript over the
// committed openapi.json and writes clients/typescript/src/schema.d.ts (prettier's layout, so
// `prettier --check .` agrees); `--check` exits 1 when the committed file differs from what the
// document generates (the drift test in test/contract does the same).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const documentPath = path.join(root, 'openapi.json');
const target = path.join(root, 'clients', 'typescript', 'src', 'schema.d.ts');

/** The generated file's text for the committed document. */
async function generated() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sgw-client-'));
  try {
    const out = path.join(dir, 'schema.d.ts');
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), documentPath, '--output', out],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const prettier = require('prettier');
    const options = (await prettier.resolveConfig(target)) ?? {};
    return prettier.format(fs.readFileSync(out, 'utf8'), {
      ...options,
      parser: 'typescript',
      filepath: target,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const text = await generated();
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (committed !== text) {
      console.error(
        `${path.relative(root, target)} differs from what openapi.json generates: run \`npm run client:generate\``,
      );
      process.exit(1);
    }
    console.log(`${path.relative(root, target)} matches openapi.json`);
    return;
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, text);
  console.log(`Wrote ${path.relative(process.cwd(), target)}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

// The @app/* import aliases, read from tsconfig.json's `paths` (their one owner), for the tools
// that resolve modules without TypeScript's help: Jest's moduleNameMapper and ts-register.
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.resolve(__dirname, '..');

/** `[{alias: '@app/domain', target: 'libs/domain/src'}, ...]`, from the `"<alias>/*"` entries. */
function tsconfigAliases() {
  const file = path.join(root, 'tsconfig.json');
  const { config, error } = ts.parseConfigFileTextToJson(file, fs.readFileSync(file, 'utf8'));
  if (error) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
  const paths = config.compilerOptions?.paths ?? {};
  return Object.entries(paths)
    .filter(([alias, targets]) => alias.endsWith('/*') && targets.length === 1 && targets[0].endsWith('/*'))
    .map(([alias, [target]]) => ({ alias: alias.slice(0, -2), target: target.slice(0, -2) }));
}

module.exports = { root, tsconfigAliases };

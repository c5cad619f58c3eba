// Lets the small dev scripts (db:migrate, db:diff) run TypeScript sources without a build:
// each .ts file is transpiled on load with the project's own TypeScript (no type-check here;
// `npm run typecheck` does that). The @app/* aliases (tsconfig.json's paths) are resolved to
// their folders.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const ts = require('typescript');
const { root, tsconfigAliases } = require('./tsconfig-aliases');

const aliases = tsconfigAliases();

const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveAlias(request, parent, ...rest) {
  for (const { alias, target } of aliases) {
    if (request === alias || request.startsWith(alias + '/')) {
      request = path.join(root, target, request.slice(alias.length));
      break;
    }
  }
  return originalResolve.call(this, request, parent, ...rest);
};

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      // As tsconfig.json: decorator metadata of `string | null` is Object under strict null
      // checks and String without, so the OpenAPI document served from the sources (the demo
      // with DEMO_FROM_SOURCE=1, npm run openapi:write) is the one the build serves.
      strict: true,
    },
  });
  module._compile(outputText, filename);
};

// Lets the small dev scripts (db:migrate, db:diff) run TypeScript sources without a build:
// each .ts file is transpiled on load with the project's own TypeScript (no type-check here;
// `npm run typecheck` does that). The @app/* aliases (tsconfig.json's paths) are resolved to
// their folders.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
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

// As tsconfig.json: decorator metadata of `string | null` is Object under strict null checks and
// String without, so the OpenAPI document served from the sources (the demo with
// DEMO_FROM_SOURCE=1, npm run openapi:write) is the one the build serves.
const compilerOptions = {
  module: 'CommonJS',
  target: 'ES2022',
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  strict: true,
};

// Transpiled files are kept by content hash: loading TypeScript and transpiling the gateway's
// sources costs ~4 s per process, and the test suite starts the gateway from its sources often.
const cacheDir = path.join(root, 'node_modules', '.cache', 'ts-register');
const { version: typescriptVersion } = require('typescript/package.json');
const cacheSalt = JSON.stringify([typescriptVersion, compilerOptions]);

let typescript;
function transpile(source, filename) {
  typescript ??= require('typescript');
  const options = typescript.convertCompilerOptionsFromJson(compilerOptions, root).options;
  return typescript.transpileModule(source, { fileName: filename, compilerOptions: options }).outputText;
}

function cachedTranspile(source, filename) {
  const key = crypto.createHash('sha256').update(cacheSalt).update(filename).update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    const output = transpile(source, filename);
    try {
      // Written aside and renamed: another process may read the same entry at once.
      fs.mkdirSync(cacheDir, { recursive: true });
      const partial = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(partial, output);
      fs.renameSync(partial, cached);
    } catch {
      // A read-only tree only loses the cache.
    }
    return output;
  }
}

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  module._compile(cachedTranspile(fs.readFileSync(filename, 'utf8'), filename), filename);
};

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PGLITE_EXTENSIONS } from '../database';
import { defaultMigrationsDir, readMigrations } from './migration-files';

/**
 * Diffs the committed migrations against prisma/schema.prisma without Prisma's native schema
 * engine (it cannot be downloaded here): the WASM schema engine replays the migrations into an
 * in-memory PGlite and compares the result with the datamodel. It is an internal Prisma API, so
 * keep this small and the package pinned (see shared/database.md).
 */
export interface SchemaDiffOptions {
  schemaPath?: string;
  migrationsDir?: string;
}

const emptyFilters = { externalTables: [], externalEnums: [] };

// Loaded through a real dynamic import: the packages are ESM and tsc would rewrite import().
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;

interface SchemaEngineModule {
  SchemaEngine: {
    new: (
      options: { datamodels: undefined },
      logger: (message: string) => void,
      adapter: object,
    ) => Promise<{
      applyMigrations(input: object): Promise<{ appliedMigrationNames: string[] }>;
      diff(params: object): Promise<{ exitCode: number; stdout: string | null }>;
      free(): void;
    }>;
  };
  __wbg_set_wasm(exports: Record<string, unknown>): void;
}

// Node has WebAssembly; the project's `lib` (ES2023, no DOM) does not declare it.
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

// One WASM instance per process: the bindings cache views of the instance's memory, so a
// second instance would leave them pointing at the first one's.
let engineModule: Promise<SchemaEngineModule> | undefined;

function loadSchemaEngine(): Promise<SchemaEngineModule> {
  engineModule ??= instantiateSchemaEngine();
  return engineModule;
}

async function instantiateSchemaEngine(): Promise<SchemaEngineModule> {
  // The package's exports map hides package.json; its main file sits at the package root.
  const packageDir = resolve(require.resolve('@prisma/schema-engine-wasm'), '..');
  const bindings = (await importEsm(
    pathToFileURL(join(packageDir, 'schema_engine_bg.js')).href,
  )) as SchemaEngineModule & Record<string, unknown>;
  const wasmBytes = readFileSync(join(packageDir, 'schema_engine_bg.wasm'));
  const { instance } = await WebAssembly.instantiate(wasmBytes, {
    './schema_engine_bg.js': bindings,
  });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bindings;
}

/** Returns the SQL that would bring the migrations up to the schema; empty when they agree. */
export async function diffSchemaAgainstMigrations(options: SchemaDiffOptions = {}): Promise<string> {
  const schemaPath = options.schemaPath ?? resolve(process.cwd(), 'prisma/schema.prisma');
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir();
  const { bindMigrationAwareSqlAdapterFactory } = (await importEsm('@prisma/driver-adapter-utils').catch(() =>
    require('@prisma/driver-adapter-utils'),
  )) as { bindMigrationAwareSqlAdapterFactory: (factory: object) => object };
  const engineModule = await loadSchemaEngine();
  // The extensions the migrations create must load here too (pg_trgm for the name search).
  const pglite = new PGlite({ extensions: PGLITE_EXTENSIONS });
  try {
    const engine = await engineModule.SchemaEngine.new(
      { datamodels: undefined },
      () => undefined,
      bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(pglite)),
    );
    try {
      const migrations = readMigrations(migrationsDir);
      const migrationsList = {
        baseDir: migrationsDir,
        lockfile: { path: 'migration_lock.toml', content: 'provider = "postgresql"\n' },
        shadowDbInitScript: '',
        migrationDirectories: migrations.map((migration) => ({
          path: migration.name,
          migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: migration.sql } },
        })),
      };
      await engine.applyMigrations({ migrationsList, filters: emptyFilters });
      const schema = { path: schemaPath, content: readFileSync(schemaPath, 'utf8') };
      const result = await engine.diff({
        from: { tag: 'schemaDatasource', files: [schema], configDir: resolve(schemaPath, '..') },
        to: { tag: 'schemaDatamodel', files: [schema] },
        script: true,
        exitCode: true,
        filters: emptyFilters,
      });
      const script = (result.stdout ?? '').trim();
      return script === '-- This is an empty migration.' ? '' : script;
    } finally {
      engine.free();
    }
  } finally {
    await pglite.close();
  }
}

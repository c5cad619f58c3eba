// Jest runs TypeScript through ts-jest without type-checking (isolatedModules): the
// typecheck is its own CI step. Run through `npm test`, which adds
// --experimental-vm-modules: PGlite's CommonJS build does `await import("fs")`.
const { tsconfigAliases } = require('./scripts/tsconfig-aliases');

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: [
    '<rootDir>/apps/**/*.spec.ts',
    '<rootDir>/libs/**/*.spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
    // Services against a real database, no HTTP (the "medium" tier: test/README.md).
    '<rootDir>/test/**/*.medium-spec.ts',
  ],
  transform: {
    '^.+\\.(t|j)s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  // ESM-only packages (cockatiel 4, content-disposition 3) are transformed to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|cockatiel)/)'],
  // The @app/* aliases come from tsconfig.json's paths, their one owner.
  moduleNameMapper: Object.fromEntries(
    tsconfigAliases().map(({ alias, target }) => [`^${escapeRegExp(alias)}(|/.*)$`, `<rootDir>/${target}$1`]),
  ),
  testTimeout: 60000,
  // Embedded runs: one migrated database built per run, unpacked by each test file's database.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

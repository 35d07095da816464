// StrykerJS over the safeguard modules, one module per run (MUTATE_MODULE names it; see
// test/mutation/modules.mjs and `npm run mutate`). Jest runs only that module's test files.
import { MODULES } from './test/mutation/modules.mjs';

const name = process.env.MUTATE_MODULE ?? 'secret-box';
const module = MODULES[name];
if (!module) throw new Error(`MUTATE_MODULE=${name}: unknown module (${Object.keys(MODULES).join(', ')})`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  checkers: module.checkers ?? ['typescript'],
  // The product sources only: the checker compiles them for every mutant (tests are not mutated).
  tsconfigFile: 'test/mutation/tsconfig.json',
  mutate: module.mutate,
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // The sandbox lives under .stryker-tmp/, which jest.config.js ignores for ordinary runs.
    config: { testMatch: module.tests.map((t) => `<rootDir>/${t}`), testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/'], coverageProvider: 'babel', maxWorkers: 1 },
    enableFindRelatedTests: false,
  },
  // perTest: each mutant runs only the tests that reach it. Modules that run inside worker processes
  // (where Stryker cannot see coverage) use 'off': every mutant runs the module's tests.
  coverageAnalysis: module.coverageAnalysis ?? 'perTest',
  // The CI smoke mutates afresh every time (reusing stored results would prove nothing there).
  incremental: module.incremental ?? true,
  incrementalFile: `test/mutation/incremental/${name}.json`,
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  timeoutMS: module.timeoutMS ?? 30_000,
  thresholds: { high: module.goal, low: module.goal - 10, break: process.env.MUTATE_BREAK ? Number(process.env.MUTATE_BREAK) : null },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  // Not copied into the sandbox: outputs of other runs (they may change while Stryker copies).
  ignorePatterns: ['/coverage', '/reports', '/test-artifacts', '/data', '/dist', '/bench-results'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/', '/.stryker-tmp/'],
  testTimeout: 60_000,
  // Integration tests share one Redis and one MariaDB; two workers keep the 2-core machine busy but not thrashing.
  maxWorkers: 2,
  // V8 coverage, like the child processes' (NODE_V8_COVERAGE), so test/coverage/merge-coverage.js can
  // merge both into one report. Test fixtures and test support are not product code.
  coverageProvider: 'v8',
  collectCoverageFrom: [
    'api/**/*.ts', 'worker/**/*.ts', 'jobs/**/*.ts', 'lib/**/*.ts', 'db/**/*.ts', 'console/**/*.ts', 'scheduler/**/*.ts',
    '!**/*.test.ts', '!**/fixtures/**', '!test/**', '!db/cli.ts',
  ],
  coverageReporters: ['json', 'text-summary'],
};

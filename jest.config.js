/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 60_000,
  // Integration tests share one Redis and one MariaDB; two workers keep the 2-core machine busy but not thrashing.
  maxWorkers: 2,
  collectCoverageFrom: ['api/**/*.ts', 'worker/**/*.ts', 'jobs/**/*.ts', 'lib/**/*.ts', 'db/**/*.ts', 'console/**/*.ts', 'scheduler/**/*.ts', '!**/*.test.ts', '!**/main.ts', '!db/cli.ts'],
  coverageReporters: ['text-summary', 'text'],
};

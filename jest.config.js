// Unit and loopback integration tests: everything that needs only Node.
// Packages are mapped to their TypeScript sources so a test never runs against a stale build;
// the built output is checked separately by test/consumer.
const { availableParallelism } = require('node:os')
const base = require('./jest.base.js')

module.exports = {
  ...base,
  testMatch: ['<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/e2e/'],
  // jest's default (CPUs - 1), but never past the 15 workers test/support/port-range.cjs has port slices for
  maxWorkers: Math.max(1, Math.min(15, availableParallelism() - 1)),
}

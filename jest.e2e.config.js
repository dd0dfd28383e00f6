// Tests against real outside peers (dcmtk, dig, kdig, unbound, ...). A missing peer fails the run
// and names the Debian package to install; nothing is skipped silently.
const base = require('./jest.base.js')

module.exports = {
  ...base,
  testMatch: ['<rootDir>/packages/*/test/e2e/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
}

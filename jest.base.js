module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  moduleNameMapper: {
    '^@gslb/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 30_000,
  setupFilesAfterEnv: ['<rootDir>/test/support/state-dir.ts'],
  // Every test must close what it opens; a leaked handle is a bug, asserted by expectNoLeaks() in the suites that
  // open sockets, servers or timers. forceExit only keeps a failed test's leftovers (a server it never reached the
  // line to close) from hanging the whole run: a red run must end, in CI above all.
  detectOpenHandles: false,
  forceExit: true,
}

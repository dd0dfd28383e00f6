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
  // Every test must close what it opens; a leaked handle is a bug, not something to paper over.
  detectOpenHandles: false,
  forceExit: false,
}

// Tests are written in TypeScript and compiled by tsc into build/ (npm run compile) before Jest runs
// them as plain ESM: the plugin host starts worker threads from compiled .js files, which a
// transform-on-the-fly setup cannot give it.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/build/__tests__'],
  testMatch: ['**/*.test.js'],
  transform: {},
  testTimeout: 120000,
  verbose: false,
}

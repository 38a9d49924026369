/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testPathIgnorePatterns: ['/node_modules/', '/test/fixtures/'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Temporal environments, BIND and the lab start real processes: give them time.
  testTimeout: 120_000,
  setupFiles: ['<rootDir>/test/setup/quietTemporal.ts'],
};

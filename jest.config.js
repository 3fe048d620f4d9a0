/** Unit, integration and end-to-end tests all run under one jest; integration tests need Redis and PostgreSQL on 127.0.0.1. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
  maxWorkers: 2,
  watchman: false,
  // BullMQ and ioredis keep sockets a moment after close; the suite's own tests close what they open.
  forceExit: true,
};

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Browser tests start their own Playground and Chromium; two at a time is plenty on a 2-core machine.
    maxWorkers: 2,
    env: { LOG_LEVEL: 'warn' },
  },
});

import { defineConfig } from 'vitest/config';

/**
 * The reliability suites that talk to the server as its own process, run a second time against two worker
 * processes on one port (WORKERS=2), to show that nothing a user relies on depends on staying in one process.
 * Not here: bad-input.test.ts calls the app in-process, and live.test.ts already runs three server processes
 * on one database (with two workers each it would be nine on CI's two cores, for no further proof).
 */
const AGAINST_SERVER_PROCESSES = [
  'tests/reliability/concurrency.test.ts',
  'tests/reliability/broken-build.test.ts',
  'tests/reliability/crash.test.ts',
  'tests/reliability/delta.test.ts',
  'tests/reliability/xlsx-bomb.test.ts',
  'tests/reliability/limits.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'ozg-sync', include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'] } },
      { extends: true, test: { name: 'zwei-server-prozesse', include: AGAINST_SERVER_PROCESSES, env: { OZG_TEST_WORKERS: '2' } } },
    ],
  },
});

import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeServerOnPostgres } from '../helpers/postgres-server.ts';
import { runConcurrencyCheck } from './concurrent-clients.ts';

const BROKEN_MERGE = fileURLToPath(new URL('./broken-build/register.ts', import.meta.url));

describeServerOnPostgres('The concurrency check on a deliberately broken build (push without the version check)', (target) => {
  it('reports lost updates', async () => {
    const { violations, outcomes } = await runConcurrencyCheck(target(), { clients: 10, pushesPerClient: 20, rows: 5 });
    expect(violations.filter((line) => line.startsWith('lost update:')).length).toBeGreaterThan(0);
    // Without the check the server never sees a conflict: the proof that the broken merge really ran.
    expect(outcomes).not.toContain('conflict');
  }, 120_000);
}, { nodeOptions: ['--import', BROKEN_MERGE] });

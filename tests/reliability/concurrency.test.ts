import { expect, it } from 'vitest';
import { describeServerOnPostgres } from '../helpers/postgres-server.ts';
import { runConcurrencyCheck } from './concurrent-clients.ts';

describeServerOnPostgres('20 clients pushing at once to the server process on PostgreSQL', (target) => {
  it('answer every push completely, log every stored cell exactly once, lose no update, and leave a log that replays to the table', async () => {
    const { violations, pushes, outcomes } = await runConcurrencyCheck(target(), { clients: 20, pushesPerClient: 50, rows: 5 });
    expect(violations).toEqual([]);
    expect(pushes).toHaveLength(1000);
    // The clients really collided: the check above had conflicts and merges to look at, not only clean writes.
    expect(outcomes).toContain('conflict');
    expect(outcomes).toContain('applied');
  }, 120_000);
});

import { expect, it } from 'vitest';
import type { MeResponse } from '../../../addin/src/api/client.ts';
import { darfAendern } from '../../../addin/src/ui/rechte.ts';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { KREIS_METTMANN_IT, METTMANN } from '../../helpers/members.ts';

/** What the pane offers to send to, from the real /api/me of the seed's members. */
describeEachDatabase('The pane’s sheet choice for an IT-Dienstleister’s member', ({ db }) => {
  const me = async (email: string): Promise<MeResponse> => (await apiAs(db(), email).request('/api/me')).json();

  it('offers the provider’s sheet and each of its Kommunen for sending, and Ratingen and Köln only for reading', async () => {
    const [{ id }] = (await db().query<{ id: number }>(`select id from public.it_dienstleister where name = 'Kreis Mettmann'`)) as [{ id: number }];
    const dl = await me(KREIS_METTMANN_IT);
    expect(dl.schreibrechte.map((r) => r.scope)).toEqual([`dl:${id}`, '05158024', '05158032']);
    const sendbar = (scope: string) => darfAendern(dl, 'kommune-status', scope);
    expect([`dl:${id}`, '05158024', '05158032', '05158028', '05315000'].map(sendbar)).toEqual([true, true, true, false, false]);
    // Mettmann's own member does not write Velbert, so the provider's sheet is not offered to it for sending.
    expect(darfAendern(await me(METTMANN), 'kommune-status', `dl:${id}`)).toBe(false);
  });
});

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, KOELN } from '../helpers/members.ts';
import type { RunningServer } from '../helpers/server-process.ts';
import { CHROMIUM, expectAccessible, startRig, type BrowserRig } from './browser.ts';
import { serviceRoleKey, startFakeGoTrue, type FakeGoTrue } from './fake-gotrue.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const available = existsSync(CHROMIUM);
const JWT_SECRET = 'ozg-sync-e2e-web-jwt-secret-0123456789abcdef';
const NEU = 'neu@koeln.example';

describe.skipIf(!available)(`The web app with Supabase Auth, in Chromium${available ? '' : ' (übersprungen: /usr/bin/chromium fehlt)'}`, () => {
  let server: RunningServer;
  let gotrue: FakeGoTrue;
  let rig: BrowserRig;

  /** A fresh browser profile: nobody signed in, nothing in its storage. */
  async function tab(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await rig.context({ locale: 'de-DE', viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return { context, page };
  }

  beforeAll(async () => {
    gotrue = await startFakeGoTrue({ jwtSecret: JWT_SECRET });
    rig = await startRig('web-supabase', {
      SUPABASE_URL: gotrue.url,
      SUPABASE_JWT_SECRET: JWT_SECRET,
      SUPABASE_ANON_KEY: 'anon-key-of-the-test-project',
      SUPABASE_AZURE: '1',
      SUPABASE_SERVICE_ROLE_KEY: await serviceRoleKey(JWT_SECRET),
    });
    ({ server } = rig);
    // Supabase's "Redirect URLs": the web app's own address, as the README asks to enter it
    gotrue.allowRedirect(`${server.url}/`);
  }, 180_000);

  afterAll(async () => {
    await rig?.stop();
    await gotrue?.close();
  });

  it('signs in with Microsoft in the same window: to Supabase Auth, back with a code, the PKCE exchange, and keeps the session', async () => {
    const { context, page } = await tab();
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'Mit Microsoft anmelden' }).waitFor();
    await page.getByRole('textbox', { name: 'E-Mail-Adresse' }).waitFor();
    await expectAccessible(page, 'Anmelden mit Microsoft');
    if (process.env.OZG_SCREENSHOTS === '1') await page.screenshot({ path: path.join(ROOT, 'docs/screenshots/26-web-anmeldung-microsoft.png'), fullPage: true });

    gotrue.signInAs(ADMIN);
    const before = gotrue.requests.length;
    await page.getByRole('button', { name: 'Mit Microsoft anmelden' }).click();
    await page.getByText(`Angemeldet als ${ADMIN}`).waitFor();
    // no Office dialog, no pop-up: the one window went and came back, and the code is gone from its address
    expect(context.pages()).toEqual([page]);
    expect(page.url()).toBe(`${server.url}/`);
    expect(gotrue.requests.slice(before).filter((r) => !r.startsWith('OPTIONS'))).toEqual(
      expect.arrayContaining(['GET /auth/v1/authorize', 'POST /auth/v1/token?grant_type=pkce']),
    );
    await page.getByRole('tab', { name: 'Mitglieder' }).waitFor();

    // After a reload the page asks who is signed in more than once (the restored session, then Supabase's own
    // event); an answer that arrives only after the sign-out must not sign the admin in again.
    let meAnswers = 0;
    await page.route('**/api/me', async (route) => {
      if (++meAnswers > 1) await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    });
    await page.reload();
    await page.getByText(`Angemeldet als ${ADMIN}`).waitFor();
    await page.getByRole('button', { name: 'Abmelden' }).click();
    await page.getByRole('button', { name: 'Mit Microsoft anmelden' }).waitFor();
    expect(meAnswers).toBeGreaterThan(1);
    await page.waitForTimeout(2_500);
    expect(await page.getByText('Angemeldet als').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Mit Microsoft anmelden' }).isVisible()).toBe(true);
  });

  it('says in German why when Microsoft refuses the sign-in, and lets the user try again', async () => {
    const { page } = await tab();
    await page.goto(`${server.url}/`);
    gotrue.refuseWith({ error: 'access_denied', description: 'AADSTS65004: User declined to consent to access the app.' });
    try {
      await page.getByRole('button', { name: 'Mit Microsoft anmelden' }).click();
      await page.getByText('Die Anmeldung mit Microsoft wurde abgelehnt oder abgebrochen (AADSTS65004: User declined to consent to access the app.).').waitFor();
      expect(page.url()).toBe(`${server.url}/`);
      await expectAccessible(page, 'Anmeldung abgelehnt');
    } finally {
      gotrue.refuseWith(null);
    }
    gotrue.signInAs(KOELN);
    await page.getByRole('button', { name: 'Mit Microsoft anmelden' }).click();
    await page.getByText(`Angemeldet als ${KOELN}`).waitFor();

    // A code that comes back to a browser which did not start the sign-in has no verifier there to be exchanged with.
    const elsewhere = (await tab()).page;
    await elsewhere.goto(`${server.url}/?code=${crypto.randomUUID()}`);
    await elsewhere.getByText('Die Anmeldung wurde in einem anderen Browser oder Fenster begonnen. Bitte melden Sie sich hier noch einmal an.', { exact: false }).waitFor();
    expect(elsewhere.url()).toBe(`${server.url}/`);
  });

  it('lets the admin invite a new member from Mitglieder; the link in the email signs the person in to the web app, once', async () => {
    const { page } = await tab();
    await page.goto(`${server.url}/`);
    gotrue.signInAs(ADMIN);
    await page.getByRole('button', { name: 'Mit Microsoft anmelden' }).click();
    await page.getByRole('tab', { name: 'Mitglieder' }).click();
    await page.getByRole('textbox', { name: 'E-Mail-Adresse' }).fill(NEU);
    const kommune = page.getByRole('combobox', { name: 'Kommune' });
    await kommune.click();
    await kommune.pressSequentially('köln');
    await page.getByRole('option', { name: /Köln, Stadt \(05315000\)/ }).click();
    await page.getByRole('button', { name: 'Hinzufügen' }).click();
    await page.getByText(`${NEU} ist jetzt Mitglied`).waitFor();

    await page.getByRole('button', { name: `${NEU} einladen` }).click();
    await page.getByText(`Einladung an ${NEU} verschickt: Der Link in der E-Mail meldet die Person hier im Browser an.`).waitFor();
    const invitation = gotrue.invitations.find((i) => i.email === NEU)!;
    expect(invitation.redirectTo).toBe(`${server.url}/`);
    await expectAccessible(page, 'Mitglieder: Einladung verschickt');
    if (process.env.OZG_SCREENSHOTS === '1') await page.screenshot({ path: path.join(ROOT, 'docs/screenshots/27-web-einladen.png'), fullPage: true });

    // Someone with an account already: the page says they can sign in.
    await page.getByRole('button', { name: `${KOELN} einladen` }).click();
    await page.getByText(`${KOELN} hat schon ein Konto und kann sich bereits anmelden`).waitFor();

    // The invited person opens the link from the email in their own browser.
    const invited = (await tab()).page;
    await invited.goto(invitation.link);
    await invited.getByText(`Angemeldet als ${NEU}`).waitFor();
    expect(invited.url()).toBe(`${server.url}/`);
    await invited.getByRole('button', { name: 'Umsetzungsstand einer Kommune: Köln, Stadt' }).waitFor();

    // The same link a second time, in another browser: used up, said in German.
    const again = (await tab()).page;
    await again.goto(invitation.link);
    await again.getByText('Der Link aus der E-Mail ist abgelaufen oder wurde schon benutzt.', { exact: false }).waitFor();
    expect(await again.getByText('Angemeldet als').count()).toBe(0);
  });
});

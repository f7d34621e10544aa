import type { Page } from 'playwright-core';

/** Fluent fades colours and focus lines in (e.g. a button leaving its disabled state); checks must judge what stays. */
export async function stillStyles(page: Page) {
  await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; animation: none !important; }' });
}

/** A bearer token of a member in local mode, as the pane gets one. */
export async function tokenFor(server: string, email: string): Promise<{ authorization: string }> {
  const response = await fetch(`${server}/api/dev/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  const { access_token } = (await response.json()) as { access_token: string };
  return { authorization: `Bearer ${access_token}` };
}

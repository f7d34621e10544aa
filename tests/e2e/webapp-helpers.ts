import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const AXE = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/**
 * axe-core's default rules on the page as it stands: no serious or critical violation. Left out are Fluent's focus
 * guards: tabster puts `<i tabindex="0" aria-hidden="true" data-tabster-dummy>` around focus groups on purpose, only
 * to pass focus on, and Microsoft's Accessibility Insights suppresses exactly these as a false positive of
 * aria-hidden-focus (https://github.com/microsoft/tabster/issues/288, https://github.com/microsoft/accessibility-insights-web/pull/7605).
 */
export async function expectAccessible(page: Page, where: string) {
  await stillStyles(page);
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    type Violation = { id: string; impact: string; help: string; nodes: { target: string[] }[] };
    const axe = (window as unknown as { axe: { run(context: unknown): Promise<{ violations: Violation[] }> } }).axe;
    const { violations } = await axe.run({ exclude: [['[data-tabster-dummy]']] });
    return violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, targets: nodes.map((node) => node.target.join(' ')) }));
  });
  expect([where, violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')]).toEqual([where, []]);
}

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

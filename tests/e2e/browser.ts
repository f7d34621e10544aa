import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { build } from 'vite';
import { startServer, type RunningServer } from '../helpers/server-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AXE = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
export const CHROMIUM = '/usr/bin/chromium';

/** A script built from one of tests/e2e's stand-ins, injected into every frame before the pane's own code runs. */
export async function standInScript(file = 'standin.ts'): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      minify: false,
      lib: { entry: path.join(ROOT, 'tests/e2e', file), formats: ['iife'], name: 'OzgStandIn' },
    },
  });
  const [result] = Array.isArray(output) ? output : [output];
  const chunk = (result as { output: { type: string; code?: string }[] }).output.find((o) => o.type === 'chunk');
  return chunk!.code!;
}

/**
 * The task pane built as `npm start` builds it, but into a directory of its own (the server's ADDIN_DIR), so that
 * browser test files running side by side never serve each other's half-written build.
 */
export async function buildPane(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ozg-addin-'));
  await build({ configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/** What a browser test file starts once: the built pane, served by a server process on a fresh embedded database, and Chromium. */
export interface BrowserRig {
  server: RunningServer;
  browser: Browser;
  /** A fresh browser profile, closed with the rig. */
  context(options: BrowserContextOptions): Promise<BrowserContext>;
  /** Takes down all of it: profiles, browser, server, the pane's build and the data directory. */
  stop(): Promise<void>;
}

export async function startRig(name: string, env: Record<string, string> = {}): Promise<BrowserRig> {
  const contexts: BrowserContext[] = [];
  const cleanup: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const context of contexts.splice(0)) await context.close();
    for (const step of cleanup.splice(0).reverse()) await step();
  };
  try {
    const pane = await buildPane();
    cleanup.push(() => pane.remove());
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `ozg-${name}-`));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', ADDIN_DIR: pane.dir, ...env });
    cleanup.push(() => server.stop());
    const browser = await launchChromium();
    cleanup.push(() => browser.close());
    return {
      server,
      browser,
      async context(options) {
        const context = await browser.newContext(options);
        contexts.push(context);
        return context;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A tiny web server on a loopback port of its own: another origin, as Excel on the web or an intranet page is. */
export async function servePage(html: (origin: string) => string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html(origin));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * axe-core's default rules on the page as it stands: no serious or critical violation. Left out are Fluent's focus
 * guards: tabster puts `<i tabindex="0" aria-hidden="true" data-tabster-dummy>` around focus groups on purpose, only to
 * pass focus on, and Microsoft's Accessibility Insights suppresses exactly these as a false positive of
 * aria-hidden-focus (https://github.com/microsoft/tabster/issues/288, https://github.com/microsoft/accessibility-insights-web/pull/7605).
 */
export async function expectAccessible(page: Page, where: string) {
  // Fluent fades colours in (e.g. a button leaving its disabled state); axe must judge the colours that stay.
  await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; animation: none !important; }' });
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    type Violation = { id: string; impact: string; help: string; nodes: { target: string[] }[] };
    const axe = (window as unknown as { axe: { run(context: unknown): Promise<{ violations: Violation[] }> } }).axe;
    const { violations } = await axe.run({ exclude: [['[data-tabster-dummy]']] });
    return violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, targets: nodes.map((node) => node.target.join(' ')) }));
  });
  expect([where, violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')]).toEqual([where, []]);
}

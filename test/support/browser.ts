import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`): the browser the console's tests drive. */
export const chromiumPath = '/usr/bin/chromium';

/**
 * Whether the browser tests run. CI sets `WINMDM_REQUIRE_CHROMIUM=1` (after installing it), which
 * turns a missing Chromium into a failure instead of a skip.
 */
export const chromiumAvailable: boolean = (() => {
  const ok = existsSync(chromiumPath);
  if (!ok) {
    if (process.env['WINMDM_REQUIRE_CHROMIUM'] === '1') throw new Error(`Chromium is required (WINMDM_REQUIRE_CHROMIUM=1) but ${chromiumPath} does not exist`);
    console.warn(`\n[winmdm] ${chromiumPath} not found (apt-get install chromium): browser tests are SKIPPED\n`);
  }
  return ok;
})();

/**
 * The flags Chromium needs here: headless without a sandbox or GPU (containers, root), and none
 * of its own network traffic (updates, sync, QUIC), which this machine refuses and which would
 * otherwise slow or break the page's own connections.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A browser with a fresh profile (deleted on close), on a laptop-sized window. */
export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts Chromium with a fresh `--user-data-dir`. `ignoreHTTPSErrors` because the test server's
 * certificate comes from its own local CA. The pages' Content-Security-Policy stays enforced.
 */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'winmdm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: FLAGS,
    ignoreHTTPSErrors: true,
    viewport: { width: 1366, height: 768 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One accessibility violation axe-core found: the rule, its impact, and the elements. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Audits the page with axe-core (WCAG 2.1 A and AA: labels, names, contrast, landmarks, …).
 * Evaluated over the DevTools protocol, which the page's Content-Security-Policy does not govern,
 * so the page keeps its real policy.
 */
export async function auditAccessibility(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    // The callback runs in the page, where `document` is the page's (this file is type-checked without the DOM library).
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

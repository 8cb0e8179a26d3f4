import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DeviceModel, type DeviceSimulator } from '@winmdm/device-sim';
import { consoleRoutes } from '@winmdm/console';
import { auditAccessibility, chromiumAvailable, launchBrowser, type Browser } from '../support/browser.js';
import { adminToken, demoBundle, P, startFleet, type Fleet } from '../support/fleet.js';

/**
 * The web console in a real browser (Debian's Chromium, driven by playwright-core) against the
 * real server with the demo fleet: sign in, the device list, a device's effective policy with the
 * provenance of a setting two policies set, a policy. A screenshot of each page goes to
 * test/e2e/__screenshots__/ (ignored by git) for a person to look at.
 */
const screenshots = new URL('./__screenshots__/', import.meta.url);

let fleet: Fleet;
let alice: DeviceSimulator;
let browser: Browser;
let page: Page;
const problems: string[] = [];

async function snap(name: string): Promise<void> {
  await page.screenshot({ path: new URL(`${name}.png`, screenshots).pathname, fullPage: true });
}

/** How the console words a device's `summary.compliance`, as the API answers it. */
async function complianceOf(id: string): Promise<string> {
  const doc = (await fleet.api('GET', `/mdm/windows/devices/${id}`)).json['data'] as { summary?: { compliance?: { compliant?: boolean } } };
  const compliant = doc.summary?.compliance?.compliant;
  return compliant === true ? 'compliant' : compliant === false ? 'not compliant' : 'not evaluated';
}

/** The accessibility audit of the page as it is now: no violation of WCAG 2.1 A/AA. */
async function expectAccessible(): Promise<void> {
  expect(await auditAccessibility(page)).toEqual([]);
}

describe.skipIf(!chromiumAvailable)('the web console in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    // The demo fleet and 25 spare tablets, so the device list has a second page.
    const bundle = demoBundle();
    for (let i = 1; i <= 25; i++) {
      bundle.devices.push({ id: `dev-contoso-spare-${String(i).padStart(2, '0')}`, organizationId: 'org-contoso', winId: `SPARE-${i}`, displayName: `Spare tablet ${i}`, winPolicyId: 'pol-contoso-baseline' });
    }
    fleet = await startFleet({ routes: consoleRoutes(), bundle });
    // Alice's laptop refuses one setting; Bob's workstation takes everything.
    alice = await fleet.device('DEMO-LAPTOP-001', {
      deviceModel: new DeviceModel({ devId: 'DEMO-LAPTOP-001', failures: [{ match: /DevicePasswordExpiration/, code: 405 }] }),
    });
    await alice.runSession();
    await (await fleet.device('DEMO-DESKTOP-002')).runSession();
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    // Any script error or refused load (a CSP violation) is a failure of the page.
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.close();
  });

  test('sign in with an API token: an unknown one is refused, the token stays in the tab\'s session only', async () => {
    await page.goto(`${fleet.server.origin}/console/`);
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in to the winmdm console' }).isVisible()).toBe(true);
    await expectAccessible();
    await snap('sign-in');
    await page.getByLabel('API token').fill('not-a-token-of-this-server');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The server does not know this token.');
    // 401 answers are expected here; they are the browser's errors, not the page's.
    problems.length = 0;
    await page.getByLabel('API token').fill(adminToken);
    await page.getByLabel('API token').press('Enter');
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    // (Evaluated in the page, as text: this file is type-checked without the DOM library.)
    expect(await page.evaluate('[sessionStorage.length, localStorage.length, document.cookie]')).toEqual([1, 0, '']);
  });

  test('the device list: state, last check-in and failed settings per device, a page at a time; search narrows it', async () => {
    const rows = page.locator('table.grid tbody tr');
    await expect.poll(() => rows.count()).toBe(25);
    expect(await page.locator('#device-count').textContent()).toBe('Devices 1–25 (more on the next page)');
    const alice = rows.filter({ hasText: 'DEMO-LAPTOP-001' });
    expect((await alice.locator('th, td').allTextContents()).map((t) => t.trim())).toEqual([
      "Alice's laptop",
      'DEMO-LAPTOP-001',
      'ACTIVE',
      await complianceOf('dev-contoso-001'),
      'just now',
      '1',
      '0',
    ]);
    expect((await rows.filter({ hasText: 'DEMO-DESKTOP-002' }).locator('td').nth(2).textContent())?.trim()).toBe(await complianceOf('dev-contoso-002'));
    // As the server evaluated them at the end of their sessions: Alice's refused setting, Bob's none.
    expect([await complianceOf('dev-contoso-001'), await complianceOf('dev-contoso-002'), await complianceOf('dev-contoso-003')]).toEqual([
      'not compliant',
      'compliant',
      'not evaluated',
    ]);
    await expectAccessible();
    await snap('devices');
    await page.getByRole('link', { name: 'Next page →' }).click();
    await expect.poll(() => page.locator('#device-count').textContent()).toBe('Devices 26–28');
    expect(await rows.locator('th').allTextContents()).toEqual(['Spare tablet 23', 'Spare tablet 24', 'Spare tablet 25']);
    await page.getByRole('link', { name: '← First page' }).click();
    await expect.poll(() => rows.count()).toBe(25);
    await page.getByLabel('Search devices').fill('laptop');
    await page.getByLabel('Search devices').press('Enter');
    await expect.poll(() => page.locator('#device-count').textContent()).toBe('Devices 1–2 matching “laptop”');
    expect(await rows.locator('th').allTextContents()).toEqual(["Alice's laptop", 'Loaner laptop']);
    expect(page.url()).toContain('#/devices?q=laptop');
  });

  test('a device: the provenance of a setting two policies set, its status and history, and where the policy comes from', async () => {
    await page.getByRole('link', { name: "Alice's laptop" }).click();
    await page.getByRole('heading', { name: 'Effective policy' }).waitFor();
    const row = page.locator(`tr[data-key="${P}DeviceLock/MinDevicePasswordLength"]`);
    const cells = (await row.locator('th, td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(cells.slice(0, 5)).toEqual([
      'DeviceLock/MinDevicePasswordLength',
      '12',
      'P1 Strict passwords',
      '8 from BASE Corporate Security Baseline',
      'applied',
    ]);
    expect(await row.getByRole('link', { name: 'Strict passwords' }).getAttribute('href')).toBe('#/policies/pol-contoso-strict-passwords');
    const failed = page.locator(`tr[data-key="${P}DeviceLock/DevicePasswordExpiration"] td.status-cell`);
    expect((await failed.innerText()).replace(/\s+/g, ' ').trim()).toBe('failed 405 not allowed (read-only node?)');
    // Why the device is not compliant: the server's reasons, with the time it evaluated them.
    const compliance = (await fleet.api('GET', '/mdm/windows/devices/dev-contoso-001')).json['data'] as { summary: { compliance: { lastCheck: string } } };
    const reasons = page.locator('details.reasons');
    expect((await reasons.locator('summary').innerText()).trim()).toBe(
      `Why not compliant: 1 setting(s) (checked ${compliance.summary.compliance.lastCheck.slice(0, 16).replace('T', ' ')} UTC)`,
    );
    await reasons.locator('summary').click();
    expect((await reasons.locator('li').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
      `${P}DeviceLock/DevicePasswordExpiration failed 405 not allowed (read-only node?)`,
    ]);
    // The enforced rule and the criteria that matched.
    const layers = (await page.locator('table.layers tbody tr').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(layers[0]).toBe('enforced Sales team apps rule “Sales team policies” · Sales Department: tag:sales, user.department:Sales');
    // The history opens with the keyboard.
    const history = row.getByRole('button', { name: 'History of DeviceLock/MinDevicePasswordLength' });
    await history.focus();
    await page.keyboard.press('Enter');
    expect(await history.getAttribute('aria-expanded')).toBe('true');
    const detail = page.locator(`#${await history.getAttribute('aria-controls')}`);
    expect(await detail.isVisible()).toBe(true);
    expect((await detail.innerText()).replace(/\s+/g, ' ')).toContain('applied 200 12');
    await expectAccessible();
    await snap('device');
  });

  test('a policy: its fleet status per setting as a bar chart, the failing devices one click away', async () => {
    await page.locator(`tr[data-key="${P}DeviceLock/MinDevicePasswordLength"]`).getByRole('link', { name: 'Strict passwords' }).click();
    await page.getByRole('heading', { name: 'Strict passwords' }).waitFor();
    const bar = (key: string) => page.locator(`.chart-row[data-key="${P}DeviceLock/${key}"] .segment`);
    // Alice's laptop and Bob's workstation both have the policy; Alice's refused the expiration.
    expect(await bar('MinDevicePasswordLength').allTextContents()).toEqual(['2 applied']);
    expect(await bar('DevicePasswordExpiration').allTextContents()).toEqual(['1 applied', '1 failed']);
    expect(await page.locator('ul.codes').innerText()).toContain('DeviceLock/DevicePasswordExpiration: failed 405');
    const settings = await page.locator('section[aria-labelledby="policy-settings-title"] tbody th').allInnerTexts();
    expect(settings).toEqual([`${P}DeviceLock/MinDevicePasswordLength`, `${P}DeviceLock/DevicePasswordExpiration`]);
    await expectAccessible();
    await snap('policy');
    // One click on the failed segment lists the failing devices; one more opens the device at that setting.
    await bar('DevicePasswordExpiration').filter({ hasText: 'failed' }).click();
    await page.getByRole('heading', { name: /Devices where DeviceLock\/DevicePasswordExpiration is/ }).waitFor();
    expect(await page.locator('.member-list a').allTextContents()).toEqual(['dev-contoso-001']);
    await page.getByRole('link', { name: 'dev-contoso-001' }).click();
    await page.getByRole('heading', { name: 'Effective policy' }).waitFor();
    expect(await page.locator('tr.focus').getAttribute('data-key')).toBe(`${P}DeviceLock/DevicePasswordExpiration`);
    await page.goBack();
    await page.getByRole('heading', { name: /Devices where/ }).waitFor();
  });

  test('resend: the failed setting goes pending, on the chart and on the device', async () => {
    await page.getByRole('button', { name: 'Resend failed, drifted and quarantined settings' }).click();
    await expect.poll(() => page.locator('#resend-outcome').textContent()).toBe('1 setting(s) on 1 device(s) are pending again: they go out at each device\'s next check-in.');
    const bar = page.locator(`.chart-row[data-key="${P}DeviceLock/DevicePasswordExpiration"] .segment`);
    expect(await bar.allTextContents()).toEqual(['1 pending', '1 applied']);
    await snap('policy-resent');
    const stored = await fleet.store.transaction((tx) => tx.getNodeStates('dev-contoso-001'));
    expect(stored.find((n) => n.locUri === `${P}DeviceLock/DevicePasswordExpiration`)?.status).toBe('pending');
    await page.goto(`${fleet.server.origin}/console/#/devices/dev-contoso-001`);
    await page.getByRole('heading', { name: 'Effective policy' }).waitFor();
    const status = page.locator(`tr[data-key="${P}DeviceLock/DevicePasswordExpiration"] td.status-cell`);
    expect((await status.innerText()).trim()).toMatch(/^pending/);
  });

  test('resend on the device page: the setting refused again goes pending again', async () => {
    // The device refuses the expiration once more at its next session.
    await alice.runSession();
    await page.reload();
    await page.getByRole('heading', { name: 'Effective policy' }).waitFor();
    const status = page.locator(`tr[data-key="${P}DeviceLock/DevicePasswordExpiration"] td.status-cell`);
    expect((await status.innerText()).trim()).toMatch(/^(failed|quarantined) 405/);
    await page.getByRole('button', { name: 'Resend failed, drifted and quarantined settings' }).click();
    await expect.poll(() => page.locator('#action-outcome').textContent()).toBe("1 setting(s) are pending again: they go out at the device's next check-in.");
    expect((await status.innerText()).trim()).toMatch(/^pending/);
    // Nothing is left to resend: the button says so by being off.
    expect(await page.getByRole('button', { name: 'Resend failed, drifted and quarantined settings' }).isDisabled()).toBe(true);
  });

  test('refresh inventory: the device is asked for it at its next check-in', async () => {
    await page.getByRole('button', { name: 'Refresh inventory' }).click();
    await expect.poll(() => page.locator('#action-outcome').textContent()).toBe('Inventory requested (hardware, applications): the device sends it at its next check-in.');
    const summary = await page.locator('dl.summary').innerText();
    expect(summary.replace(/\s+/g, ' ')).toContain('Inventory requested hardware, applications');
    await expectAccessible();
  });

  test('a token the server no longer knows leads back to the sign-in; signing out forgets the token', async () => {
    // As if the token were revoked while the tab was open.
    await page.evaluate("sessionStorage.setItem('winmdm.console.token', 'a-token-the-server-does-not-know')");
    await page.goto(`${fleet.server.origin}/console/#/policies`);
    await page.getByRole('heading', { name: 'Sign in to the winmdm console' }).waitFor();
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toBe('Signed out: No auth token');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    problems.length = 0; // the refused call is the browser's error, not the page's
    await page.getByLabel('API token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the winmdm console' }).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(problems).toEqual([]);
  });
});

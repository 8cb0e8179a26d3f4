import { api, apiPath, ApiError } from './api.js';
import { statusChart } from './chart.js';
import { badge, h, replace } from './dom.js';
import { routeHash, splitKey, STATUS_ORDER, valueLine } from './format.js';

/** @typedef {{ id: string, name?: string, version?: number, updatedAt?: string, config?: Record<string, unknown>,
 *   applications?: { winApplicationId: string, action?: string }[], admxConfigs?: { winAdmxConfigId: string }[] }} PolicyDocument */
/**
 * @typedef {{ policyId: string, totals: Record<string, number>,
 *   settings: { locUri: string, counts: Record<string, number>, codes: { status: string, code: number, meaning: string, count: number }[] }[],
 *   devices: Record<string, { deviceIds: string[], nextCursor: string | null }> }} PolicyStatus what `GET /mdm/windows/policies/{id}/status` answers
 */

/** The states whose devices the API lists (the others are counted only). */
const LISTED = ['pending', 'failed', 'drifted', 'quarantined', 'not-removable', 'conflict'];
/** The states a resend takes back to `pending`. */
const RESENDABLE = ['failed', 'drifted', 'quarantined', 'not-removable'];

/** @param {string} key */
function keyCell(key) {
  const [prefix, rest] = splitKey(key);
  return h('span', { class: 'mono key', title: key }, prefix ? h('span', { class: 'prefix' }, prefix) : null, rest);
}

/** A node's name for the chart: the part after the prefix settings share (ADMX and MSI nodes by their last segments). */
function nodeLabel(/** @type {string} */ locUri) {
  const [, rest] = splitKey(locUri);
  if (rest.startsWith('ConfigOperations/ADMXInstall/')) return `ADMX ${rest.split('/').slice(2).join('/')}`;
  if (rest.startsWith('EnterpriseDesktopAppManagement/MSI/')) return `MSI ${rest.split('/')[2] ?? ''}`;
  return rest;
}

/**
 * @param {PolicyDocument} policy
 */
function settingsTable(policy) {
  const rows = [
    ...Object.entries(policy.config ?? {}).map(([key, value]) => h('tr', { 'data-key': key }, h('th', { scope: 'row' }, keyCell(key)), h('td', { class: 'mono value' }, valueLine(value)))),
    ...(policy.applications ?? []).map((a) => h('tr', {}, h('th', { scope: 'row' }, `app ${a.winApplicationId}`), h('td', {}, a.action ?? 'required'))),
    ...(policy.admxConfigs ?? []).map((a) => h('tr', {}, h('th', { scope: 'row' }, `admx ${a.winAdmxConfigId}`), h('td', {}, 'ingested'))),
  ];
  if (rows.length === 0) return h('p', { class: 'muted' }, 'This policy sets nothing that goes to a device.');
  return h(
    'table',
    { class: 'grid' },
    h('caption', { class: 'visually-hidden' }, 'Settings of the policy'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Setting'), h('th', { scope: 'col' }, 'Value'))),
    h('tbody', {}, rows),
  );
}

/**
 * The devices of one setting in one state (a page of the API's list), each a link to the device
 * with the setting highlighted.
 *
 * @param {string} policyId
 * @param {string} locUri
 * @param {string} status
 * @param {string | null} cursor
 */
async function devicesPanel(policyId, locUri, status, cursor) {
  const title = h('h3', { id: 'members-title' }, `Devices where ${nodeLabel(locUri)} is `, badge(status));
  if (!LISTED.includes(status)) {
    return h('section', { class: 'members', 'aria-labelledby': 'members-title' }, title, h('p', { class: 'muted' }, `Devices in “${status}” are counted, not listed: nothing to act on.`));
  }
  const params = new URLSearchParams({ status, locUri, limit: '50' });
  if (cursor) params.set('cursor', cursor);
  /** @type {PolicyStatus} */
  const answer = await api('GET', `${apiPath('policies', policyId, 'status')}?${params}`);
  const page = answer.devices[status] ?? { deviceIds: [], nextCursor: null };
  return h(
    'section',
    { class: 'members', 'aria-labelledby': 'members-title' },
    title,
    page.deviceIds.length === 0
      ? h('p', { class: 'muted' }, 'None now.')
      : h('ul', { class: 'member-list' }, page.deviceIds.map((id) => h('li', {}, h('a', { href: routeHash('device', id, { setting: locUri }) }, id)))),
    page.nextCursor !== null ? h('p', {}, h('a', { href: routeHash('policy', policyId, { setting: locUri, status, cursor: page.nextCursor }) }, 'More devices →')) : null,
  );
}

/**
 * The fleet status of the policy: totals, a bar per setting (each segment a link to the devices in
 * that state), the devices' codes with their meaning, and the resend of what failed.
 *
 * @param {HTMLElement} container
 * @param {string} policyId
 * @param {URLSearchParams} query `setting` and `status` pick a segment; `cursor` pages its devices
 */
async function renderStatus(container, policyId, query) {
  /** @type {PolicyStatus} */
  let status;
  try {
    status = await api('GET', apiPath('policies', policyId, 'status'));
  } catch (error) {
    replace(container, h('p', { class: 'error', role: 'alert' }, `Cannot load the fleet status: ${error instanceof Error ? error.message : String(error)}`));
    return;
  }
  const selected = { setting: query.get('setting'), status: query.get('status') };
  const rows = status.settings.map((s) => ({ key: s.locUri, label: nodeLabel(s.locUri), counts: s.counts }));
  const chart =
    rows.length === 0
      ? h('p', { class: 'muted' }, 'No device has a setting of this policy yet.')
      : statusChart(rows, (key, s) => routeHash('policy', policyId, { setting: key, status: s }), 'Devices per state, for each setting of the policy');
  for (const segment of chart.querySelectorAll('a.segment')) {
    const row = segment.closest('[data-key]');
    if (row?.getAttribute('data-key') === selected.setting && segment.getAttribute('data-status') === selected.status) segment.setAttribute('aria-current', 'true');
  }
  const codes = status.settings.flatMap((s) => s.codes.map((c) => ({ ...c, locUri: s.locUri })));
  const totals = STATUS_ORDER.filter((s) => (status.totals[s] ?? 0) > 0).map((s) => h('li', {}, badge(s), ` ${status.totals[s]}`));
  const resendable = RESENDABLE.reduce((n, s) => n + (status.totals[s] ?? 0), 0);

  const outcome = h('p', { role: 'status', class: 'muted', id: 'resend-outcome' });
  const resend = h('button', { type: 'button', class: 'primary', disabled: resendable === 0, 'aria-describedby': 'resend-outcome' }, 'Resend failed, drifted and quarantined settings');
  resend.addEventListener('click', async () => {
    resend.disabled = true;
    outcome.textContent = 'Resending…';
    try {
      /** @type {{ nodes: number, devices: number }} */
      const result = await api('POST', apiPath('policies', policyId, 'resend'), { body: { status: RESENDABLE } });
      await renderStatus(container, policyId, query);
      const again = container.querySelector('#resend-outcome');
      if (again) again.textContent = `${result.nodes} setting(s) on ${result.devices} device(s) are pending again: they go out at each device's next check-in.`;
    } catch (error) {
      outcome.textContent = error instanceof ApiError && error.status === 403 ? `This token cannot resend: ${error.message}.` : `Resend failed: ${error instanceof Error ? error.message : String(error)}`;
      outcome.className = 'error';
      resend.disabled = false;
    }
  });

  replace(
    container,
    h('ul', { class: 'counts', 'aria-label': 'Settings of this policy on devices, by state' }, totals.length > 0 ? totals : h('li', { class: 'muted' }, 'nothing delivered yet')),
    chart,
    codes.length === 0
      ? null
      : h(
          'ul',
          { class: 'codes', 'aria-label': 'Status codes the devices answered' },
          codes.map((c) => h('li', {}, h('span', { class: 'mono' }, nodeLabel(c.locUri)), ': ', badge(c.status), ` ${c.code} ${c.meaning} — ${c.count} device(s)`)),
        ),
    h('div', { class: 'actions' }, resend, outcome),
    selected.setting !== null && selected.status !== null ? await devicesPanel(policyId, selected.setting, selected.status, query.get('cursor')) : null,
  );
}

/**
 * A policy: its fleet status (a bar chart per setting, the failing devices one click away, a
 * resend) and its settings.
 *
 * @param {HTMLElement} main
 * @param {string} id
 * @param {URLSearchParams} query
 */
export async function renderPolicy(main, id, query) {
  /** @type {PolicyDocument} */
  let policy;
  try {
    policy = await api('GET', apiPath('policies', id));
  } catch (error) {
    const text =
      error instanceof ApiError && error.code === 3001
        ? `There is no policy “${id}” for this token.`
        : error instanceof ApiError && error.status === 403
          ? `This token cannot read policies: ${error.message}.`
          : `Cannot load the policy: ${error instanceof Error ? error.message : String(error)}`;
    replace(main, h('p', { class: 'error', role: 'alert' }, text), h('p', {}, h('a', { href: routeHash('policies') }, '← All policies')));
    return;
  }
  const status = h('div', {});
  await renderStatus(status, id, query);
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: routeHash('policies') }, '← All policies')),
    h('h1', {}, policy.name ?? policy.id),
    h('p', { class: 'muted' }, h('span', { class: 'mono' }, policy.id), policy.version !== undefined ? ` · version ${policy.version}` : ''),
    h('section', { 'aria-labelledby': 'fleet-title' }, h('h2', { id: 'fleet-title' }, 'On the devices'), status),
    h('section', { 'aria-labelledby': 'policy-settings-title' }, h('h2', { id: 'policy-settings-title' }, 'Settings'), settingsTable(policy)),
  );
}

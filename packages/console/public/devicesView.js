import { apiPage, ApiError } from './api.js';
import { badge, h, replace } from './dom.js';
import { complianceText, countStatuses, relativeTime, routeHash } from './format.js';

const PAGE = 25;

/**
 * @typedef {{ id: string, winId?: string, displayName?: string, state?: string, tags?: string[],
 *   summary?: Record<string, unknown>, lastStatusReportTime?: string, configStatus?: Record<string, { status: string }> }} DeviceDocument
 */

/**
 * A count of settings in a bad state: red when there are any.
 *
 * @param {number | undefined} n
 * @param {string} status
 */
function problemCount(n, status) {
  return n ? h('span', { class: 'badge tone-bad', title: `${n} ${status} setting(s)` }, String(n)) : '0';
}

/**
 * The device list, a page of 25 at a time from the API (`limit`, `cursor`), searched by the API
 * (`q`: a part of the id, winId, name or a tag), with each device's state, compliance, last
 * check-in and how many settings failed or drifted.
 *
 * @param {HTMLElement} main
 * @param {URLSearchParams} query `q`, `cursor` (the API's) and `page` (its number, for people)
 */
export async function renderDevices(main, query) {
  const q = query.get('q') ?? '';
  const cursor = query.get('cursor') ?? '';
  const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
  const title = h('h1', {}, 'Devices');

  const params = new URLSearchParams({ limit: String(PAGE) });
  if (q !== '') params.set('q', q);
  if (cursor !== '') params.set('cursor', cursor);
  /** @type {{ items: DeviceDocument[], nextCursor: string | null }} */
  let result;
  try {
    result = await apiPage(`/mdm/windows/devices?${params}`);
  } catch (error) {
    const text = error instanceof ApiError && error.status === 403 ? `This token cannot list devices: ${error.message}.` : `Cannot load the devices: ${error instanceof Error ? error.message : String(error)}`;
    replace(main, title, h('p', { class: 'error', role: 'alert' }, text));
    return;
  }
  const devices = result.items;
  const now = new Date();

  const search = h('input', { id: 'device-search', type: 'search', name: 'q', value: q, placeholder: 'winId, name, id or tag', autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'search', role: 'search' },
    h('label', { for: 'device-search' }, 'Search devices'),
    search,
    h('button', { type: 'submit' }, 'Search'),
    q !== '' ? h('a', { href: routeHash('devices') }, 'Clear') : null,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = routeHash('devices', undefined, { q: search.value.trim() });
  });

  const rows = devices.map((d) => {
    const counts = countStatuses(d.configStatus);
    const compliance = complianceText(d.summary);
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('a', { href: routeHash('device', d.id) }, d.displayName ?? d.id)),
      h('td', { class: 'mono' }, d.winId ?? '—'),
      h('td', {}, d.state ?? '—'),
      h('td', {}, compliance === 'unknown' ? h('span', { class: 'muted' }, 'not evaluated') : badge(compliance)),
      h('td', { title: d.lastStatusReportTime ?? 'never checked in' }, relativeTime(d.lastStatusReportTime, now)),
      h('td', { class: 'num' }, problemCount(counts['failed'], 'failed')),
      h('td', { class: 'num' }, problemCount(counts['drifted'], 'drifted')),
    );
  });

  const table = h(
    'table',
    { class: 'grid', 'aria-describedby': 'device-count' },
    h('caption', { class: 'visually-hidden' }, 'Devices'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Name'),
        h('th', { scope: 'col' }, 'winId'),
        h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col' }, 'Compliance'),
        h('th', { scope: 'col' }, 'Last check-in'),
        h('th', { scope: 'col', class: 'num' }, 'Failed'),
        h('th', { scope: 'col', class: 'num' }, 'Drifted'),
      ),
    ),
    h('tbody', {}, rows),
  );

  const from = (page - 1) * PAGE + 1;
  const shown = devices.length === 0 ? 'No device' : `Devices ${from}–${from + devices.length - 1}`;
  const count = h('p', { id: 'device-count', class: 'muted', role: 'status' }, q === '' ? shown : `${shown} matching “${q}”`, result.nextCursor === null ? '' : ' (more on the next page)');
  const nav = h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    cursor !== '' ? h('a', { href: routeHash('devices', undefined, { q }) }, '← First page') : null,
    result.nextCursor !== null ? h('a', { href: routeHash('devices', undefined, { q, cursor: result.nextCursor, page: String(page + 1) }), rel: 'next' }, 'Next page →') : null,
  );
  replace(main, title, form, count, devices.length === 0 ? null : table, nav);
}

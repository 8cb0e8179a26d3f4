import { api, ApiError } from './api.js';
import { badge, h, replace } from './dom.js';
import { complianceText, countStatuses, matchesSearch, relativeTime, routeHash } from './format.js';

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
 * The device list: search (id, winId, name, tags), pages of 25, and per device its state,
 * compliance, last check-in and how many settings failed or drifted.
 *
 * @param {HTMLElement} main
 * @param {URLSearchParams} query `q` (search) and `page` (1-based)
 */
export async function renderDevices(main, query) {
  const q = query.get('q') ?? '';
  const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
  const title = h('h1', {}, 'Devices');

  /** @type {DeviceDocument[]} */
  let devices;
  try {
    devices = await api('GET', '/mdm/windows/devices');
  } catch (error) {
    const text = error instanceof ApiError && error.status === 403 ? `This token cannot list devices: ${error.message}.` : `Cannot load the devices: ${error instanceof Error ? error.message : String(error)}`;
    replace(main, title, h('p', { class: 'error', role: 'alert' }, text));
    return;
  }

  const matching = devices.filter((d) => matchesSearch(d, q));
  const pages = Math.max(1, Math.ceil(matching.length / PAGE));
  const shown = matching.slice((Math.min(page, pages) - 1) * PAGE, Math.min(page, pages) * PAGE);
  const now = new Date();

  const search = h('input', { id: 'device-search', type: 'search', name: 'q', value: q, placeholder: 'winId, name, id or tag', autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'search', role: 'search' },
    h('label', { for: 'device-search' }, 'Search devices'),
    search,
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = routeHash('devices', undefined, { q: search.value.trim() });
  });

  const rows = shown.map((d) => {
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

  const count = h(
    'p',
    { id: 'device-count', class: 'muted', role: 'status' },
    q === '' ? `${devices.length} device(s)` : `${matching.length} of ${devices.length} device(s) match “${q}”`,
    pages > 1 ? ` · page ${Math.min(page, pages)} of ${pages}` : '',
  );
  const nav = h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    page > 1 ? h('a', { href: routeHash('devices', undefined, { q, page: String(page - 1) }), rel: 'prev' }, '← Previous') : null,
    page < pages ? h('a', { href: routeHash('devices', undefined, { q, page: String(page + 1) }), rel: 'next' }, 'Next →') : null,
  );
  replace(main, title, form, count, matching.length === 0 ? h('p', {}, 'No device matches.') : table, nav);
}

/** Pure helpers of the console: no DOM, no clock (the caller passes `now`), tested under Node. */

/** The per-setting statuses, in the order the console lists and charts them. */
export const STATUS_ORDER = /** @type {const} */ ([
  'pending',
  'sent',
  'applied',
  'verified',
  'unverifiable',
  'drifted',
  'failed',
  'not-removable',
  'conflict',
  'quarantined',
]);

/** Statuses that need an admin's attention. */
export const PROBLEM_STATUSES = /** @type {readonly string[]} */ (['drifted', 'failed', 'not-removable', 'conflict', 'quarantined']);

/**
 * "3 min ago", "5 h ago", "2 d ago", or the date for older times; "never" without one.
 *
 * @param {string | undefined | null} iso
 * @param {Date} now
 */
export function relativeTime(iso, now) {
  if (!iso) return 'never';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now.getTime() - then) / 1000);
  if (seconds < 0) return new Date(then).toISOString().slice(0, 16).replace('T', ' ');
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  if (seconds < 30 * 86400) return `${Math.floor(seconds / 86400)} d ago`;
  return new Date(then).toISOString().slice(0, 10);
}

/**
 * How many of a device's nodes are in each status (`configStatus` of the device document).
 *
 * @param {unknown} configStatus
 * @returns {Record<string, number>}
 */
export function countStatuses(configStatus) {
  /** @type {Record<string, number>} */
  const counts = {};
  if (typeof configStatus !== 'object' || configStatus === null) return counts;
  for (const node of Object.values(configStatus)) {
    const status = node && typeof node === 'object' && typeof node.status === 'string' ? node.status : undefined;
    if (status !== undefined) counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

/**
 * The compliance of a device document as a word: `compliant`, `not compliant`, or `unknown`
 * while the server has not evaluated it (`summary.compliance`).
 *
 * @param {unknown} summary
 */
export function complianceText(summary) {
  const compliance = summary && typeof summary === 'object' ? /** @type {{ compliance?: { compliant?: unknown } }} */ (summary).compliance : undefined;
  if (compliance?.compliant === true) return 'compliant';
  if (compliance?.compliant === false) return 'not compliant';
  return 'unknown';
}

/**
 * The console's place from the location hash: `#/devices`, `#/devices/{id}`, `#/policies`,
 * `#/policies/{id}`, each with a query string; anything else is the device list.
 *
 * @param {string} hash
 * @returns {{ view: 'devices' | 'device' | 'policies' | 'policy', id?: string, query: URLSearchParams }}
 */
export function parseRoute(hash) {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] === 'devices' && parts[1] !== undefined) return { view: 'device', id: parts[1], query };
  if (parts[0] === 'policies' && parts[1] !== undefined) return { view: 'policy', id: parts[1], query };
  if (parts[0] === 'policies') return { view: 'policies', query };
  return { view: 'devices', query };
}

/**
 * The hash of a console place.
 *
 * @param {'devices' | 'device' | 'policies' | 'policy'} view
 * @param {string} [id]
 * @param {Record<string, string | undefined>} [query]
 */
export function routeHash(view, id, query = {}) {
  const base = view === 'device' || view === 'devices' ? 'devices' : 'policies';
  const path = id === undefined ? `#/${base}` : `#/${base}/${encodeURIComponent(id)}`;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, v);
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

/**
 * An OMA-URI split into the prefix every setting of its kind shares and the part that tells it
 * apart, so a page can show the prefix quietly: `['./Device/Vendor/MSFT/Policy/Config/', 'DeviceLock/MinDevicePasswordLength']`.
 *
 * @param {string} key
 * @returns {[string, string]}
 */
export function splitKey(key) {
  const match = /^\.\/(Device|User|Vendor)\/(Vendor\/)?MSFT\/(Policy\/Config\/)?/i.exec(key);
  return match === null ? ['', key] : [match[0], key.slice(match[0].length)];
}

/**
 * A config value in one line (the policy page's table).
 *
 * @param {unknown} value
 */
export function valueLine(value) {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * The segments of one setting's bar: each status with devices, in {@link STATUS_ORDER} (unknown
 * words after them, by name), with its share of the devices in percent.
 *
 * @param {Record<string, number>} counts devices per status
 * @returns {{ status: string, count: number, percent: number }[]}
 */
export function barSegments(counts) {
  const known = /** @type {readonly string[]} */ (STATUS_ORDER);
  const statuses = Object.keys(counts)
    .filter((s) => (counts[s] ?? 0) > 0)
    .sort((a, b) => {
      const ia = known.indexOf(a);
      const ib = known.indexOf(b);
      if (ia !== -1 || ib !== -1) return (ia === -1 ? known.length : ia) - (ib === -1 ? known.length : ib);
      return a < b ? -1 : a > b ? 1 : 0;
    });
  const total = statuses.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
  return statuses.map((status) => ({ status, count: counts[status] ?? 0, percent: total === 0 ? 0 : ((counts[status] ?? 0) * 100) / total }));
}

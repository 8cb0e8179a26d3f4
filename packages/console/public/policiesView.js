import { api, ApiError } from './api.js';
import { h, replace } from './dom.js';
import { routeHash } from './format.js';

/**
 * The organization's Windows policies.
 *
 * @param {HTMLElement} main
 */
export async function renderPolicies(main) {
  const title = h('h1', {}, 'Policies');
  /** @type {{ id: string, name?: string, version?: number, updatedAt?: string, config?: Record<string, unknown>, applications?: unknown[] }[]} */
  let policies;
  try {
    policies = await api('GET', '/mdm/windows/policies');
  } catch (error) {
    const text = error instanceof ApiError && error.status === 403 ? `This token cannot read policies: ${error.message}.` : `Cannot load the policies: ${error instanceof Error ? error.message : String(error)}`;
    replace(main, title, h('p', { class: 'error', role: 'alert' }, text));
    return;
  }
  const sorted = [...policies].sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id));
  replace(
    main,
    title,
    h('p', { class: 'muted', role: 'status' }, `${policies.length} polic${policies.length === 1 ? 'y' : 'ies'}`),
    h(
      'table',
      { class: 'grid' },
      h('caption', { class: 'visually-hidden' }, 'Policies'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Id'), h('th', { scope: 'col', class: 'num' }, 'Settings'), h('th', { scope: 'col', class: 'num' }, 'Version'))),
      h(
        'tbody',
        {},
        sorted.map((p) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, h('a', { href: routeHash('policy', p.id) }, p.name ?? p.id)),
            h('td', { class: 'mono' }, p.id),
            h('td', { class: 'num' }, String(Object.keys(p.config ?? {}).length + (p.applications ?? []).length)),
            h('td', { class: 'num' }, p.version === undefined ? '—' : String(p.version)),
          ),
        ),
      ),
    ),
  );
}

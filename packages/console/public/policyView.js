import { api, apiPath, ApiError } from './api.js';
import { h, replace } from './dom.js';
import { routeHash, splitKey, valueLine } from './format.js';

/** @typedef {{ id: string, name?: string, version?: number, updatedAt?: string, config?: Record<string, unknown>,
 *   applications?: { winApplicationId: string, action?: string }[], admxConfigs?: { winAdmxConfigId: string }[] }} PolicyDocument */

/** @param {string} key */
function keyCell(key) {
  const [prefix, rest] = splitKey(key);
  return h('span', { class: 'mono key', title: key }, prefix ? h('span', { class: 'prefix' }, prefix) : null, rest);
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
 * A policy: its settings and, across the organization's devices, the status of each.
 *
 * @param {HTMLElement} main
 * @param {string} id
 * @param {URLSearchParams} _query
 */
export async function renderPolicy(main, id, _query) {
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
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: routeHash('policies') }, '← All policies')),
    h('h1', {}, policy.name ?? policy.id),
    h('p', { class: 'muted' }, h('span', { class: 'mono' }, policy.id), policy.version !== undefined ? ` · version ${policy.version}` : ''),
    h('section', { 'aria-labelledby': 'policy-settings-title' }, h('h2', { id: 'policy-settings-title' }, 'Settings'), settingsTable(policy)),
  );
}

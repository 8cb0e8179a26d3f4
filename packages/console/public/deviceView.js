import { api, apiPath, ApiError } from './api.js';
import { badge, h, replace } from './dom.js';
import { complianceText, relativeTime, routeHash, STATUS_ORDER } from './format.js';

/** @typedef {import('@winmdm/policy').Explanation} Explanation */
/** @typedef {import('@winmdm/policy').ExplainedSetting} ExplainedSetting */
/** @typedef {import('@winmdm/policy').ExplainedSource} ExplainedSource */
/** @typedef {import('@winmdm/policy').ExplainedStatus} ExplainedStatus */
/**
 * @typedef {{ id: string, winId?: string, displayName?: string, state?: string, tags?: string[],
 *   mdmUser?: { email?: string }, summary?: Record<string, any>, lastStatusReportTime?: string,
 *   refreshInfoNeeded?: string[] }} DeviceDocument
 */

/**
 * A source as people read it: the layer, the policy as a link to its page, and for an enforced
 * one the rule and the criteria that matched (`source.label` says the same in one line).
 *
 * @param {ExplainedSource} source
 */
function sourceCell(source) {
  if (source.winPolicyId === undefined) return h('span', { class: 'source' }, source.label);
  const layer = source.layer === 'assignment' ? `p${source.priority ?? '?'}` : source.layer;
  const rule =
    source.layer === 'enforced'
      ? h('span', { class: 'muted' }, ` by rule “${source.automationRuleName ?? source.automationRuleId ?? '?'}”`, source.reasons?.length ? ` (${source.reasons.join(', ')})` : '')
      : null;
  return h(
    'span',
    { class: 'source', title: source.label },
    h('span', { class: `layer layer-${source.layer}` }, layer),
    ' ',
    h('a', { href: routeHash('policy', source.winPolicyId) }, source.policyName ?? source.winPolicyId),
    rule,
  );
}

/**
 * A long key or value that may break after `/`, `~` and `,` (where a reader expects it) rather
 * than anywhere.
 *
 * @param {string} text
 */
function breakable(text) {
  return text.split(/(?<=[/~,])/).map((part, i) => (i === 0 ? part : [h('wbr'), part]));
}

/** @param {ExplainedStatus | undefined} status */
function statusText(status) {
  if (status === undefined) return '';
  return [status.code !== undefined ? String(status.code) : '', status.codeMeaning ?? ''].filter(Boolean).join(' ');
}

/**
 * @param {ExplainedSetting} row
 */
function statusCell(row) {
  if (row.delivery === 'agent') return h('span', { class: 'muted' }, 'agent');
  if (row.delivery === 'self-service') return h('span', { class: 'muted' }, 'self-service');
  if (row.status === undefined) return h('span', { class: 'muted', title: 'The server has no state for this node yet: the device has not checked in since.' }, 'unknown');
  const detail = row.status.status === 'applied' ? '' : statusText(row.status);
  return h('span', { class: 'status' }, badge(row.status.status, row.status.statusMeaning), detail ? h('span', { class: 'code' }, ` ${detail}`) : null);
}

/**
 * The history of a node, newest first.
 *
 * @param {ExplainedStatus} status
 * @param {Date} now
 */
function historyList(status, now) {
  if (status.history.length === 0) return h('p', { class: 'muted' }, 'No recorded change yet.');
  return h(
    'ol',
    { class: 'history-list', reversed: true },
    [...status.history].reverse().map((event) =>
      h(
        'li',
        {},
        h('time', { datetime: event.at, title: event.at }, relativeTime(event.at, now)),
        ' ',
        badge(event.status),
        typeof event.code === 'number' ? h('span', { class: 'code' }, ` ${event.code}`) : null,
        typeof event.value === 'string' ? h('span', { class: 'mono value' }, ` ${event.value}`) : null,
      ),
    ),
  );
}

/**
 * The effective policy, one row per setting, with provenance; a button per SyncML row opens its
 * status history below it.
 *
 * @param {Explanation} explanation
 * @param {string | null} focus the key to highlight (from a link of the policy page)
 * @param {Date} now
 */
function settingsTable(explanation, focus, now) {
  const body = h('tbody', {});
  explanation.settings.forEach((row, index) => {
    const historyId = `history-${index}`;
    const classes = [row.conflict === 'ambiguous-priority' ? 'conflict' : '', row.key === focus ? 'focus' : ''].filter(Boolean).join(' ');
    const tr = h(
      'tr',
      { 'data-key': row.key, class: classes || undefined },
      h(
        'th',
        { scope: 'row', title: row.key },
        h('span', { class: 'mono key' }, breakable(row.shortKey)),
        row.conflict === 'ambiguous-priority' ? h('span', { class: 'badge tone-bad conflict-tag', title: 'Policies of equal priority disagree: only the policy id decided' }, 'conflict') : null,
      ),
      h('td', { class: 'mono value', title: row.valueText }, breakable(row.valueText)),
      h('td', { class: 'set-by' }, sourceCell(row.source)),
      h(
        'td',
        { class: 'beat' },
        row.beat.length === 0
          ? h('span', { class: 'muted' }, '—')
          : h(
              'ul',
              {},
              row.beat.map((b) => h('li', { class: b.same ? 'muted' : undefined }, h('span', { class: 'mono' }, breakable(b.valueText)), ' from ', sourceCell(b.source), b.same ? ' (same value)' : '')),
            ),
      ),
      h('td', { class: 'status-cell' }, statusCell(row)),
      h(
        'td',
        {},
        row.status
          ? h(
              'button',
              {
                type: 'button',
                class: 'link',
                'aria-expanded': 'false',
                'aria-controls': historyId,
                'aria-label': `History of ${row.shortKey}`,
                onclick: (/** @type {Event} */ event) => {
                  const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
                  const open = button.getAttribute('aria-expanded') !== 'true';
                  button.setAttribute('aria-expanded', String(open));
                  const detail = document.getElementById(historyId);
                  if (detail) detail.hidden = !open;
                },
              },
              'History',
            )
          : null,
      ),
    );
    body.append(tr);
    if (row.status) {
      body.append(h('tr', { id: historyId, class: 'history', hidden: true }, h('td', { colspan: 6 }, h('span', { class: 'mono muted' }, row.status.locUri), historyList(row.status, now))));
    }
  });
  return h(
    'table',
    { class: 'grid settings' },
    h('caption', { class: 'visually-hidden' }, 'Effective policy with provenance'),
    h('colgroup', {}, ['setting', 'value', 'set-by', 'beat', 'status', 'more'].map((c) => h('col', { class: `col-${c}` }))),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Setting'),
        h('th', { scope: 'col' }, 'Value'),
        h('th', { scope: 'col' }, 'Set by'),
        h('th', { scope: 'col' }, 'Beat'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'History')),
      ),
    ),
    body,
  );
}

/** @param {Explanation} explanation */
function layersTable(explanation) {
  const layers = [...explanation.layers].reverse();
  return h(
    'table',
    { class: 'grid layers' },
    h('caption', { class: 'visually-hidden' }, 'Assignments and rules, highest precedence first'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Source'), h('th', { scope: 'col' }, 'Policy'), h('th', { scope: 'col' }, 'Why'))),
    h(
      'tbody',
      {},
      layers.map((layer) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, layer.source.layer === 'assignment' ? `assignment p${layer.source.priority ?? '?'}` : layer.source.layer === 'device' ? 'device override' : layer.source.layer),
          h(
            'td',
            {},
            layer.source.winPolicyId !== undefined
              ? h('a', { href: routeHash('policy', layer.source.winPolicyId) }, layer.source.policyName ?? layer.source.winPolicyId)
              : h('span', { class: 'muted' }, 'the device\'s own config'),
            layer.missing ? h('span', { class: 'badge tone-bad' }, ' missing') : null,
          ),
          h(
            'td',
            {},
            layer.source.layer === 'enforced'
              ? h(
                  'span',
                  {},
                  `rule “${layer.source.automationRuleName ?? layer.source.automationRuleId ?? '?'}”`,
                  (layer.audiences ?? []).map((a) => h('span', {}, ` · ${a.name}: `, a.reasons.map((r, i) => [i > 0 ? ', ' : '', h('code', {}, r)]))),
                )
              : layer.source.layer === 'base'
                ? 'the device\'s base policy'
                : layer.source.layer === 'assignment'
                  ? 'assigned (a lower priority number wins)'
                  : 'per-device values',
            layer.countedAt !== undefined ? h('span', { class: 'muted' }, ` — counts once, at ${layer.countedAt}`) : null,
          ),
        ),
      ),
    ),
  );
}

/**
 * @param {DeviceDocument} device
 * @param {Date} now
 */
function summaryList(device, now) {
  const summary = device.summary ?? {};
  const compliance = complianceText(summary);
  /** @type {[string, import('./dom.js').Children][]} */
  const items = [
    ['Device id', h('span', { class: 'mono' }, device.id)],
    ['winId', h('span', { class: 'mono' }, device.winId ?? '—')],
    ['State', device.state ?? '—'],
    ['Compliance', compliance === 'unknown' ? h('span', { class: 'muted' }, 'not evaluated') : badge(compliance)],
    ['Last check-in', h('span', { title: device.lastStatusReportTime ?? '' }, relativeTime(device.lastStatusReportTime, now))],
    ['User', device.mdmUser?.email ?? '—'],
    ['Tags', (device.tags ?? []).length === 0 ? '—' : (device.tags ?? []).map((t, i) => [i > 0 ? ' ' : '', h('code', {}, t)])],
    ['Windows', [summary['osVersionName'], summary['osVersion']].filter((x) => typeof x === 'string').join(' ') || '—'],
    ['Serial number', typeof summary['serialNumber'] === 'string' ? summary['serialNumber'] : '—'],
    ['Inventory requested', (device.refreshInfoNeeded ?? []).length === 0 ? 'no' : (device.refreshInfoNeeded ?? []).join(', ')],
  ];
  return h('dl', { class: 'summary' }, items.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

/**
 * Why the device is not compliant, as the server evaluated it when its last session ended
 * (`summary.compliance`: `reasons`, each a setting and its state, and `reasonCount`).
 *
 * @param {DeviceDocument} device
 */
function complianceReasons(device) {
  /** @type {{ reasons?: { setting?: unknown, state?: unknown, code?: unknown, meaning?: unknown }[], reasonCount?: unknown, lastCheck?: unknown } | undefined} */
  const compliance = device.summary?.['compliance'];
  const reasons = Array.isArray(compliance?.reasons) ? compliance.reasons : [];
  if (reasons.length === 0) return null;
  const count = typeof compliance?.reasonCount === 'number' ? compliance.reasonCount : reasons.length;
  return h(
    'details',
    { class: 'reasons' },
    h('summary', {}, `Why not compliant: ${count} setting(s)`, typeof compliance?.lastCheck === 'string' ? ` (checked ${compliance.lastCheck.slice(0, 16).replace('T', ' ')} UTC)` : ''),
    h(
      'ul',
      {},
      reasons.map((r) =>
        h(
          'li',
          {},
          h('span', { class: 'mono' }, String(r.setting ?? '?')),
          ' ',
          badge(String(r.state ?? '?')),
          typeof r.code === 'number' ? h('span', { class: 'code' }, ` ${r.code} ${typeof r.meaning === 'string' ? r.meaning : ''}`) : null,
        ),
      ),
      count > reasons.length ? h('li', { class: 'muted' }, `and ${count - reasons.length} more`) : null,
    ),
  );
}

/** The states a resend takes back to `pending`. */
const RESENDABLE = ['failed', 'drifted', 'quarantined', 'not-removable'];

/**
 * What an admin can do for this device: send its failed, drifted and quarantined settings again,
 * and ask for its inventory; both reach the device at its next check-in. The page is drawn again
 * from the API afterwards, so it shows what the server now has.
 *
 * @param {HTMLElement} main
 * @param {DeviceDocument} device
 * @param {Explanation} explanation
 * @param {URLSearchParams} query
 */
function actions(main, device, explanation, query) {
  const outcome = h('p', { role: 'status', class: 'muted', id: 'action-outcome' });
  /**
   * @param {string} label
   * @param {boolean} disabled
   * @param {() => Promise<string>} run resolves to what to tell the admin
   */
  const action = (label, disabled, run) => {
    const button = h('button', { type: 'button', disabled, 'aria-describedby': 'action-outcome' }, label);
    button.addEventListener('click', async () => {
      button.disabled = true;
      outcome.textContent = 'Working…';
      try {
        const told = await run();
        await renderDevice(main, device.id, query);
        const again = main.querySelector('#action-outcome');
        if (again) again.textContent = told;
      } catch (error) {
        outcome.textContent = error instanceof ApiError && error.status === 403 ? `This token may not do that: ${error.message}.` : `That failed: ${error instanceof Error ? error.message : String(error)}`;
        outcome.className = 'error';
        button.disabled = false;
      }
    });
    return button;
  };
  const resendable = RESENDABLE.reduce((n, s) => n + (explanation.statusCounts[s] ?? 0), 0);
  const resend = action('Resend failed, drifted and quarantined settings', resendable === 0, async () => {
    /** @type {{ nodes: number }} */
    const result = await api('POST', apiPath('devices', device.id, 'resend'), { body: { status: RESENDABLE } });
    return `${result.nodes} setting(s) are pending again: they go out at the device's next check-in.`;
  });
  const refresh = action('Refresh inventory', false, async () => {
    /** @type {{ refreshInfoNeeded: string[] }} */
    const result = await api('POST', apiPath('devices', device.id, 'refresh'), { body: { refreshInfoNeeded: ['hardware', 'applications'] } });
    return `Inventory requested (${result.refreshInfoNeeded.join(', ')}): the device sends it at its next check-in.`;
  });
  return h('div', { class: 'actions' }, resend, refresh, outcome);
}

/**
 * A device: summary, where its policy comes from (assignments and enforced rules with their
 * reasons), the effective policy with provenance and each setting's status and history, then the
 * conflicts, the issues and the nodes no setting accounts for.
 *
 * @param {HTMLElement} main
 * @param {string} id
 * @param {URLSearchParams} query `setting`: a key to highlight
 */
export async function renderDevice(main, id, query) {
  /** @type {DeviceDocument} */
  let device;
  /** @type {Explanation} */
  let explanation;
  try {
    [device, explanation] = await Promise.all([api('GET', apiPath('devices', id)), api('GET', apiPath('devices', id, 'explanation'))]);
  } catch (error) {
    const text = error instanceof ApiError && error.code === 3001 ? `There is no device “${id}” for this token.` : `Cannot load the device: ${error instanceof Error ? error.message : String(error)}`;
    replace(main, h('p', { class: 'error', role: 'alert' }, text), h('p', {}, h('a', { href: routeHash('devices') }, '← All devices')));
    return;
  }
  const now = new Date();
  const focus = query.get('setting');
  const counts = STATUS_ORDER.filter((s) => (explanation.statusCounts[s] ?? 0) > 0).map((s) => h('li', {}, badge(s), ` ${explanation.statusCounts[s]}`));
  if ((explanation.statusCounts['unknown'] ?? 0) > 0) counts.push(h('li', {}, badge('unknown'), ` ${explanation.statusCounts['unknown']}`));

  const ambiguous = explanation.conflicts.filter((c) => c.kind === 'ambiguous-priority');
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: routeHash('devices') }, '← All devices')),
    h('h1', {}, device.displayName ?? device.id, ' ', device.state ? badge(device.state === 'ACTIVE' ? 'active' : device.state.toLowerCase()) : null),
    explanation.complete ? null : h('p', { class: 'error', role: 'alert' }, 'Incomplete: something this device references is missing (see Issues). Nothing is removed from the device until that is fixed.'),
    h('section', { 'aria-labelledby': 'summary-title' }, h('h2', { id: 'summary-title' }, 'Summary'), summaryList(device, now), complianceReasons(device), actions(main, device, explanation, query)),
    h('section', { 'aria-labelledby': 'layers-title' }, h('h2', { id: 'layers-title' }, 'Assignments and rules'), h('p', { class: 'muted' }, 'Highest precedence first: an enforced rule beats the device\'s own values, which beat assignments, which beat the base policy.'), layersTable(explanation)),
    h(
      'section',
      { 'aria-labelledby': 'settings-title' },
      h('h2', { id: 'settings-title' }, 'Effective policy'),
      h('ul', { class: 'counts', 'aria-label': 'Settings by status' }, counts),
      ambiguous.length > 0 ? h('p', { class: 'warning' }, `${ambiguous.length} conflict(s) between policies of equal priority: the rows marked “conflict” were decided only by policy id.`) : null,
      settingsTable(explanation, focus, now),
    ),
    h(
      'section',
      { 'aria-labelledby': 'conflicts-title' },
      h('h2', { id: 'conflicts-title' }, `Conflicts (${explanation.conflicts.length})`),
      explanation.conflicts.length === 0
        ? h('p', { class: 'muted' }, 'No two sources disagree.')
        : h(
            'ul',
            { class: 'conflicts' },
            explanation.conflicts.map((c) =>
              h(
                'li',
                { class: c.kind === 'ambiguous-priority' ? 'conflict' : undefined },
                c.kind === 'ambiguous-priority' ? badge('conflict', 'equal priority') : null,
                ' ',
                h('span', { class: 'mono' }, c.shortKey),
                ': ',
                h('span', { class: 'mono' }, c.winner.valueText),
                ' from ',
                sourceCell(c.winner.source),
                ' beat ',
                h('span', { class: 'mono' }, c.loser.valueText),
                ' from ',
                sourceCell(c.loser.source),
              ),
            ),
          ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'issues-title' },
      h('h2', { id: 'issues-title' }, `Issues (${explanation.issues.length})`),
      explanation.issues.length === 0
        ? h('p', { class: 'muted' }, 'None.')
        : h('ul', {}, explanation.issues.map((i) => h('li', {}, h('code', {}, i.code), ' ', h('span', { class: 'mono' }, i.path.join('.')), ': ', i.message))),
    ),
    explanation.otherNodes.length === 0
      ? null
      : h(
          'section',
          { 'aria-labelledby': 'other-title' },
          h('h2', { id: 'other-title' }, 'Tracked on the device, not in the effective policy'),
          h('ul', {}, explanation.otherNodes.map((n) => h('li', {}, h('span', { class: 'mono' }, n.locUri), ' ', badge(n.status, n.statusMeaning), ` ${statusText(n)}`))),
        ),
  );
}

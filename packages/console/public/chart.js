import { h } from './dom.js';
import { barSegments } from './format.js';

/**
 * @typedef {{ key: string, label: string, counts: Record<string, number> }} ChartRow one setting:
 *   its key, what to call it, and how many devices are in each status
 */

/**
 * A horizontal stacked bar per setting, one segment per status (coloured by how good it is, and
 * named by its count and status, so colour is never the only cue). Each segment is a
 * link to that setting's devices in that status: the failing devices are one click away.
 *
 * @param {ChartRow[]} rows
 * @param {(key: string, status: string) => string} href where a segment leads
 * @param {string} caption what the chart shows, for screen readers
 */
export function statusChart(rows, href, caption) {
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', { class: 'visually-hidden' }, caption),
    h(
      'ul',
      { class: 'chart-rows' },
      rows.map((row) => {
        const segments = barSegments(row.counts);
        const total = segments.reduce((sum, s) => sum + s.count, 0);
        return h(
          'li',
          { class: 'chart-row', 'data-key': row.key },
          h('span', { class: 'chart-label mono', title: row.key }, row.label),
          h(
            'span',
            { class: 'chart-bar', role: 'group', 'aria-label': `${row.label}: ${total} device(s)` },
            total === 0
              ? h('span', { class: 'muted' }, 'no device')
              : segments.map((s) => {
                  // The name is always "<count> <status>"; a narrow segment shows the count and
                  // keeps the status for screen readers (and its tooltip).
                  const segment = h(
                    'a',
                    { class: `segment status-${s.status}`, href: href(row.key, s.status), title: `${s.count} ${s.status}`, 'data-status': s.status },
                    String(s.count),
                    s.percent >= 12 ? ` ${s.status}` : h('span', { class: 'visually-hidden' }, ` ${s.status}`),
                  );
                  // Through the CSSOM: the Content-Security-Policy forbids style attributes.
                  segment.style.flexGrow = String(s.count);
                  return segment;
                }),
          ),
        );
      }),
    ),
  );
}

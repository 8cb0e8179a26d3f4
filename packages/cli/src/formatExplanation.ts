import type { ExplainedSetting, Explanation } from '@winmdm/policy';

/** How {@link formatExplanation} writes: colours (a terminal that wants them) and the width to fit, if any. */
export interface FormatOptions {
  color: boolean;
  /** Fit the table to this many columns by shortening the widest cells; absent: cells are never cut. */
  width?: number | undefined;
}

type Paint = (text: string) => string;

const ansi = (open: number, close: number): Paint => (text) => `\u001b[${open}m${text}\u001b[${close}m`;
const PAINT = {
  bold: ansi(1, 22),
  dim: ansi(2, 22),
  red: ansi(31, 39),
  green: ansi(32, 39),
  yellow: ansi(33, 39),
  cyan: ansi(36, 39),
};
const plain: Paint = (text) => text;

// `conflict` is applied (the tie-break chose), so it only warns, like the states still under way.
const GOOD = new Set(['applied', 'verified', 'unverifiable']);
const BAD = new Set(['failed', 'drifted', 'quarantined', 'not-removable']);

function statusCell(row: ExplainedSetting): string {
  if (row.delivery === 'agent') return 'agent (not SyncML)';
  if (row.delivery === 'self-service') return 'self-service';
  const s = row.status;
  if (s === undefined) return 'unknown';
  return [s.status, s.code !== undefined ? String(s.code) : '', s.code !== undefined && s.status !== 'applied' ? (s.codeMeaning ?? '') : '']
    .filter(Boolean)
    .join(' ');
}

function statusPaint(row: ExplainedSetting, color: boolean): Paint {
  if (!color) return plain;
  const word = row.status?.status;
  if (row.delivery !== 'syncml' || word === undefined) return PAINT.dim;
  if (GOOD.has(word)) return PAINT.green;
  if (BAD.has(word)) return PAINT.red;
  return PAINT.yellow;
}

/**
 * Cuts a cell into lines of at most `width` characters, breaking after a space, `/`, `,` or `;`
 * where one is in the second half of the line, else anywhere: nothing is lost, only wrapped.
 */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    let at = -1;
    for (let i = width; i > width / 2; i--) {
      if (' /,;'.includes(rest[i - 1] as string)) {
        at = i;
        break;
      }
    }
    if (at === -1) at = width;
    lines.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  lines.push(rest);
  return lines;
}

/** Shrinks the widest of the flexible columns, one character at a time, until the table fits. */
function fit(widths: number[], flexible: readonly number[], minimum: number, budget: number): number[] {
  const out = [...widths];
  let total = out.reduce((a, b) => a + b, 0);
  while (total > budget) {
    let widest = -1;
    for (const i of flexible) if ((out[i] as number) > minimum && (widest === -1 || (out[i] as number) > (out[widest] as number))) widest = i;
    if (widest === -1) break;
    out[widest] = (out[widest] as number) - 1;
    total--;
  }
  return out;
}

/**
 * The terminal form of an {@link Explanation} (`winmdm explain`): a heading with the device and its
 * layers, one table row per effective setting (setting, value, set by, what it beat and from where,
 * the device's status with its code and meaning), then the conflicts and the issues.
 */
export function formatExplanation(explanation: Explanation, options: FormatOptions): string {
  const p = options.color ? PAINT : { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  const lines: string[] = [];
  const { device } = explanation;
  lines.push(p.bold(`${device.displayName ?? device.id}`) + `  id ${device.id}${device.winId !== undefined ? `  winId ${device.winId}` : ''}`);
  if (!explanation.complete) lines.push(p.red('incomplete: something referenced is missing (see issues); nothing is removed from the device'));
  lines.push('layers, lowest precedence first:');
  for (const layer of explanation.layers) {
    const notes = [layer.missing ? p.red('missing') : '', layer.countedAt !== undefined ? p.dim(`counted at ${layer.countedAt}`) : ''].filter(Boolean);
    lines.push(`  ${layer.source.label}${notes.length > 0 ? `  (${notes.join(', ')})` : ''}`);
  }
  lines.push('');

  // A bundle carries no device status: then the column would say "unknown" on every row.
  const known = explanation.otherNodes.length > 0 || explanation.settings.some((s) => s.status !== undefined);
  const ambiguous = explanation.settings.some((s) => s.conflict === 'ambiguous-priority');
  const header = ['SETTING', 'VALUE', 'SET BY', 'BEAT', ...(known ? ['STATUS'] : [])];
  const rows = explanation.settings.map((row) => [
    `${ambiguous ? (row.conflict === 'ambiguous-priority' ? '!! ' : '   ') : ''}${row.shortKey}`,
    row.valueText,
    row.source.label,
    row.beat.length === 0 ? '-' : row.beat.map((b) => `${b.valueText} from ${b.source.label}`).join('; '),
    ...(known ? [statusCell(row)] : []),
  ]);
  const gap = 2;
  let widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  if (options.width !== undefined) {
    // On a terminal the table fits its width, cells wrapping: the widest columns give way first,
    // down to 36 characters; then value, source and what it beat; the key last; the status never.
    const budget = options.width - gap * (header.length - 1);
    widths = fit(fit(fit(widths, [0, 1, 2, 3], 36, budget), [1, 2, 3], 14, budget), [0], 24, budget);
  }
  const line = (cells: string[], paints: Paint[]): string => {
    const wrapped = cells.map((cell, i) => wrap(cell, widths[i] as number));
    const height = Math.max(...wrapped.map((w) => w.length));
    const out: string[] = [];
    for (let k = 0; k < height; k++) {
      out.push(
        wrapped
          .map((w, i) => {
            const text = w[k] ?? '';
            const padding = i === cells.length - 1 ? '' : ' '.repeat((widths[i] as number) - text.length);
            return `${text === '' ? '' : (paints[i] ?? plain)(text)}${padding}`;
          })
          .join(' '.repeat(gap))
          .trimEnd(),
      );
    }
    return out.join('\n');
  };
  lines.push(line(header, header.map(() => p.bold)));
  explanation.settings.forEach((row, i) => {
    const conflictPaint = row.conflict === 'ambiguous-priority' ? p.red : plain;
    lines.push(line(rows[i] as string[], [conflictPaint, plain, p.cyan, p.dim, statusPaint(row, options.color)]));
  });
  if (explanation.settings.length === 0) lines.push(p.dim('   (no effective settings)'));
  const counts = Object.entries(explanation.statusCounts)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([status, n]) => `${n} ${status}`);
  if (!known) lines.push('', p.dim('no device status here (a bundle carries none): explain from the server\'s store with --db or --pg'));
  else if (counts.length > 0) lines.push('', `status: ${counts.join(', ')}`);

  if (explanation.otherNodes.length > 0) {
    lines.push('', 'tracked on the device, not in the effective policy:');
    for (const n of explanation.otherNodes) lines.push(`  ${n.locUri}  ${n.status}${n.code !== undefined ? ` ${n.code}` : ''}`);
  }
  lines.push('', p.bold(`conflicts (${explanation.conflicts.length})`) + (ambiguous ? p.dim('  !! = equal priority: only the policy id decided') : ''));
  for (const c of explanation.conflicts) {
    const mark = c.kind === 'ambiguous-priority' ? `${p.red('!!')} ` : '';
    lines.push(`  ${mark}${c.shortKey}: ${c.winner.valueText} from ${c.winner.source.label} beat ${c.loser.valueText} from ${c.loser.source.label}`);
  }
  lines.push('', p.bold(`issues (${explanation.issues.length})`));
  for (const issue of explanation.issues) lines.push(`  ${p.red(issue.code)} ${issue.path.join('.')}: ${issue.message}`);
  return `${lines.join('\n')}\n`;
}

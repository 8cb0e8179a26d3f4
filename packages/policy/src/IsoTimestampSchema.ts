import { z } from 'zod';

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2}))?$/;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * Turns an upstream timestamp into ISO 8601 UTC (`2026-02-10T10:00:00.000Z`), or `undefined` when
 * it is not one. The upstream document writes timestamps with stray spaces around the colons
 * (`2026-02-10T10: 00: 00.000Z`); those are removed. Only the ISO 8601 / RFC 3339 forms are
 * accepted, with a zone designator whenever a time is given: `Date` would read anything else in the
 * machine's local time zone, which a pure function must not depend on. Impossible dates
 * (`2026-02-30`) are rejected rather than rolled over.
 */
export function normalizeTimestamp(raw: string): string | undefined {
  const cleaned = raw.trim().replace(/\s*:\s*/g, ':');
  const m = TIMESTAMP.exec(cleaned);
  if (m === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12) return undefined;
  const maxDay = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day < 1 || day > maxDay) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offset = 'Z';
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    if (Number(digits.slice(0, 2)) > 23 || Number(digits.slice(2)) > 59) return undefined;
    offset = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2)}`;
  }
  // The fraction is cut to milliseconds here so that `Date` only ever sees the ECMAScript format.
  const ms = frac.padEnd(3, '0').slice(0, 3);
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`);
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString();
}

/**
 * A timestamp as the upstream API writes it, output as ISO 8601 UTC with milliseconds. Accepts the
 * stray-space form of the upstream document (`"2026-02-10T10: 00: 00.000Z"`), `Z` or numeric
 * offsets (converted to UTC), and date-only values (midnight UTC). Anything else, including a time
 * without a zone and impossible dates, is a schema error.
 *
 * @example
 * ```ts
 * IsoTimestampSchema.parse('2026-02-10T10: 00: 00.000Z'); // '2026-02-10T10:00:00.000Z'
 * IsoTimestampSchema.parse('2024-01-01T00: 00:00Z');      // '2024-01-01T00:00:00.000Z'
 * ```
 */
export const IsoTimestampSchema = z.string().transform((raw, ctx) => {
  const iso = normalizeTimestamp(raw);
  if (iso === undefined) {
    ctx.issues.push({
      code: 'custom',
      message: `Invalid timestamp "${raw}": expected ISO 8601 with a zone, e.g. 2026-02-10T10:00:00.000Z`,
      input: raw,
    });
    return z.NEVER;
  }
  return iso;
});

/** An ISO 8601 UTC timestamp (`2026-02-10T10:00:00.000Z`), the output of {@link IsoTimestampSchema}. */
export type IsoTimestamp = z.infer<typeof IsoTimestampSchema>;

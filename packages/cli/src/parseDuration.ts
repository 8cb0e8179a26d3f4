import { CliError } from './CliError.js';

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds of a duration written as a number and a unit (`90s`, `30m`, `24h`, `7d`; several
 * may follow each other, `1h30m`), for the flag `what`.
 *
 * @throws {CliError} (`ERR_CLI_USAGE`) for anything else, or a zero duration.
 *
 * @example
 * ```ts
 * parseDuration('24h', '--verify-interval'); // 86400000
 * ```
 */
export function parseDuration(text: string, what: string): number {
  const parts = /^(?:\d+[smhd])+$/.test(text.trim()) ? [...text.trim().matchAll(/(\d+)([smhd])/g)] : [];
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * (UNITS[unit as string] as number), 0);
  if (parts.length === 0 || ms <= 0 || !Number.isSafeInteger(ms)) {
    throw new CliError('ERR_CLI_USAGE', `${what} must be a duration such as 90s, 30m, 24h or 7d, got ${JSON.stringify(text)}`);
  }
  return ms;
}

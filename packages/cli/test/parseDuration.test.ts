import { describe, expect, test } from 'vitest';
import { parseDuration } from '../src/parseDuration.js';

describe('parseDuration', () => {
  test('reads a number and a unit, several in a row', () => {
    expect(parseDuration('90s', '--x')).toBe(90_000);
    expect(parseDuration('30m', '--x')).toBe(1_800_000);
    expect(parseDuration('24h', '--x')).toBe(86_400_000);
    expect(parseDuration('7d', '--x')).toBe(604_800_000);
    expect(parseDuration('1h30m', '--x')).toBe(5_400_000);
  });

  test('refuses anything else, naming the flag', () => {
    for (const bad of ['24', 'h', '0h', '1.5h', '24 hours', '-1h', '']) {
      expect(() => parseDuration(bad, '--verify-interval')).toThrow(
        expect.objectContaining({ code: 'ERR_CLI_USAGE', message: `--verify-interval must be a duration such as 90s, 30m, 24h or 7d, got ${JSON.stringify(bad)}` }),
      );
    }
  });
});

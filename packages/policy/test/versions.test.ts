import { describe, expect, test } from 'vitest';
import {
  compareWindowsVersions,
  InvalidVersionRangeError,
  InvalidWindowsVersionError,
  parseWindowsVersion,
  PolicyError,
  satisfiesAllowedVersions,
  selectApplicationVersion,
} from '@winmdm/policy';

describe('parseWindowsVersion', () => {
  test.each([
    ['10.0.19045.3803', [10, 0, 19045, 3803]],
    ['2.1', [2, 1, 0, 0]],
    ['7', [7, 0, 0, 0]],
    ['65535.65535.65535.65535', [65535, 65535, 65535, 65535]],
  ])('%s', (text, parts) => {
    expect(parseWindowsVersion(text)).toEqual(parts);
  });

  test.each(['', '1.2.3.4.5', '1.02', 'v1.2', '1.2.3-beta', '65536', '1..2', ' 1.2'])('rejects %j', (text) => {
    expect(parseWindowsVersion(text)).toBeUndefined();
  });
});

describe('compareWindowsVersions', () => {
  test('compares the fourth part instead of dropping it', () => {
    expect(compareWindowsVersions('10.0.19045.3803', '10.0.19045.10')).toBe(1);
    expect(compareWindowsVersions('10.0.19045.10', '10.0.19045.3803')).toBe(-1);
  });

  test('compares numerically, and missing parts are 0', () => {
    expect(['2.0', '1.10.0.1', '1.9', '1.10'].sort(compareWindowsVersions)).toEqual(['1.9', '1.10', '1.10.0.1', '2.0']);
    expect(compareWindowsVersions('1.2', '1.2.0.0')).toBe(0);
  });

  test('throws InvalidWindowsVersionError with its code and the offending text', () => {
    expect(() => compareWindowsVersions('1.0', 'latest')).toThrow(
      expect.objectContaining({
        name: 'InvalidWindowsVersionError',
        code: 'ERR_POLICY_INVALID_VERSION',
        message: 'Invalid Windows version "latest": expected 1 to 4 dot-separated numbers, each 0-65535',
      }),
    );
    try {
      compareWindowsVersions('1.0.0-rc1', '1');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidWindowsVersionError);
      expect(err).toBeInstanceOf(PolicyError);
      expect(InvalidWindowsVersionError.code).toBe('ERR_POLICY_INVALID_VERSION');
    }
  });
});

describe('satisfiesAllowedVersions', () => {
  test.each([
    ['1.0.0', '>=1.0.0', true],
    ['0.9.9.9', '>=1.0.0', false],
    ['10.0.19045.3803', '>=10.0.19045.3000 <10.0.22000', true],
    ['10.0.19045.2999', '>=10.0.19045.3000 <10.0.22000', false],
    ['1.2.3.5', '<=1.2.3', false],
    ['1.2.3.5', '<=1.2.3.x', true],
    ['1.2.3.5', '<1.2.4', true],
    ['1.2.3.4', '1.2.3.x', true],
    ['1.2.4', '1.2.3.x', false],
    ['1.9.65535.65535', '^1.2', true],
    ['2.0', '^1.2', false],
    ['1.2.9.1', '~1.2.3', true],
    ['1.3', '~1.2.3', false],
    ['0.0.3.7', '^0.0.3', true],
    ['0.0.4', '^0.0.3', false],
    ['1.5.9.9', '1.2 - 1.5', true],
    ['1.6', '1.2 - 1.5', false],
    ['3.0.0.1', '^2 || ^3', true],
    ['1.0', '>= 1.0.0', true],
    ['42.0', '', true],
    ['42.0', '*', true],
  ])('%s in %j: %s', (version, range, expected) => {
    expect(satisfiesAllowedVersions(version, range)).toBe(expected);
  });

  test.each([
    ['>=1.0.0-beta', 'Invalid allowedVersions range ">=1.0.0-beta": ">=1.0.0-beta" is not a comparator'],
    ['>=', 'Invalid allowedVersions range ">=": ">=" has no version'],
    ['not a range', 'Invalid allowedVersions range "not a range": "not" is not a comparator'],
    ['1.x.3', 'Invalid allowedVersions range "1.x.3": "1.x.3" has a number after a wildcard'],
    ['<1.2.65536', 'Invalid allowedVersions range "<1.2.65536": "1.2.65536" has a part above 65535'],
  ])('an invalid range %j throws InvalidVersionRangeError', (range, message) => {
    expect(() => satisfiesAllowedVersions('1.0', range)).toThrow(
      expect.objectContaining({ name: 'InvalidVersionRangeError', code: 'ERR_POLICY_INVALID_RANGE', message }),
    );
    expect(() => satisfiesAllowedVersions('1.0', range)).toThrow(InvalidVersionRangeError);
  });
});

describe('selectApplicationVersion', () => {
  const versions = [{ version: '1.0.0' }, { version: '2.0' }, { version: '1.2.0.1234' }, { version: '1.2.0.999' }];

  test('chooses the highest version in the range, on all four parts', () => {
    expect(selectApplicationVersion(versions, '>=1.0.0 <2')).toEqual({ version: '1.2.0.1234' });
  });

  test('chooses the highest of all without a range, and nothing when none satisfies', () => {
    expect(selectApplicationVersion(versions)).toEqual({ version: '2.0' });
    expect(selectApplicationVersion(versions, '>=3')).toBeUndefined();
    expect(selectApplicationVersion([], undefined)).toBeUndefined();
  });

  test('the choice among equal versions written differently does not depend on list order', () => {
    const a = { version: '1.2', url: 'a' };
    const b = { version: '1.2.0.0', url: 'b' };
    expect(selectApplicationVersion([a, b])).toBe(b);
    expect(selectApplicationVersion([b, a])).toBe(b);
  });
});

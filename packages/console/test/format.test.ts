import { expect, test } from 'vitest';
import { barSegments, complianceText, countStatuses, parseRoute, relativeTime, routeHash, splitKey } from '../public/format.js';

const now = new Date('2026-11-02T12:00:00.000Z');

test('relative times read like a person says them', () => {
  expect(relativeTime(undefined, now)).toBe('never');
  expect(relativeTime('2026-11-02T11:59:30.000Z', now)).toBe('just now');
  expect(relativeTime('2026-11-02T11:57:00.000Z', now)).toBe('3 min ago');
  expect(relativeTime('2026-11-02T07:00:00.000Z', now)).toBe('5 h ago');
  expect(relativeTime('2026-10-30T12:00:00.000Z', now)).toBe('3 d ago');
  expect(relativeTime('2026-01-02T12:00:00.000Z', now)).toBe('2026-01-02');
  expect(relativeTime('2026-11-02T12:30:00.000Z', now)).toBe('2026-11-02 12:30');
  expect(relativeTime('not a date', now)).toBe('not a date');
});

test('statuses are counted from configStatus, compliance read from the summary', () => {
  expect(countStatuses({ a: { status: 'failed' }, b: { status: 'applied' }, c: { status: 'failed' }, d: {} })).toEqual({ failed: 2, applied: 1 });
  expect(countStatuses(undefined)).toEqual({});
  expect(complianceText({ compliance: { compliant: true } })).toBe('compliant');
  expect(complianceText({ compliance: { compliant: false } })).toBe('not compliant');
  expect(complianceText({})).toBe('unknown');
});

test('routes go to the hash and back', () => {
  expect(parseRoute('')).toMatchObject({ view: 'devices' });
  expect(parseRoute('#/devices?q=lap&page=2').query.get('q')).toBe('lap');
  expect(parseRoute(routeHash('device', 'dev/1 ü'))).toMatchObject({ view: 'device', id: 'dev/1 ü' });
  expect(parseRoute(routeHash('policy', 'p', { setting: './Device/x', state: 'failed' }))).toMatchObject({ view: 'policy', id: 'p' });
  expect(parseRoute(routeHash('policy', 'p', { setting: './Device/x' })).query.get('setting')).toBe('./Device/x');
  expect(parseRoute('#/policies')).toMatchObject({ view: 'policies' });
  expect(routeHash('devices', undefined, { q: '', page: undefined })).toBe('#/devices');
  expect(parseRoute('#/devices/%E0%A4%A')).toMatchObject({ view: 'device', id: '%E0%A4%A' });
});

test('keys split into the shared prefix and the part that tells them apart', () => {
  expect(splitKey('./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera')).toEqual(['./Device/Vendor/MSFT/Policy/Config/', 'Camera/AllowCamera']);
  expect(splitKey('./Vendor/MSFT/Personalization/DesktopImageUrl')).toEqual(['./Vendor/MSFT/', 'Personalization/DesktopImageUrl']);
  expect(splitKey('./DevDetail/SwV')).toEqual(['', './DevDetail/SwV']);
});

test('a bar has one segment per status with devices, in the order admins read them, with its share', () => {
  expect(barSegments({ failed: 1, applied: 2, pending: 1, drifted: 0, 'new-word': 1 })).toEqual([
    { status: 'pending', count: 1, percent: 20 },
    { status: 'applied', count: 2, percent: 40 },
    { status: 'failed', count: 1, percent: 20 },
    { status: 'new-word', count: 1, percent: 20 },
  ]);
  expect(barSegments({})).toEqual([]);
});

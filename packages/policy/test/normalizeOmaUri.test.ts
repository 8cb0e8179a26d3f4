import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { normalizeOmaUri } from '@winmdm/policy';

describe('normalizeOmaUri', () => {
  test.each([
    ['./Vendor/MSFT/Policy/Config/Camera/AllowCamera', './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera'],
    ['./vendor/msft/Policy/Config/Camera/AllowCamera', './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera'],
    ['./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera', './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera'],
    ['./device/Vendor/MSFT/Policy/Config/Camera/AllowCamera', './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera'],
    ['./DEVICE/Vendor/MSFT/BitLocker/RequireDeviceEncryption', './Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption'],
    ['./user/Vendor/MSFT/Policy/Config/Start/HideAppList', './User/Vendor/MSFT/Policy/Config/Start/HideAppList'],
    ['./User/Vendor/MSFT/Policy/Config/Start/HideAppList', './User/Vendor/MSFT/Policy/Config/Start/HideAppList'],
    // Only the scope prefix is case-insensitive: the rest of the URI is kept exactly.
    ['./device/vendor/msft/Policy/Config/Camera/allowcamera', './Device/vendor/msft/Policy/Config/Camera/allowcamera'],
    ['./Vendor/MSFT/Policy/Config/camera/AllowCamera', './Device/Vendor/MSFT/Policy/Config/camera/AllowCamera'],
    // Other roots are not scopes and stay as written.
    ['./DevDetail/SwV', './DevDetail/SwV'],
    ['./cimv2/Win32_Battery', './cimv2/Win32_Battery'],
    ['./devices/X', './devices/X'],
    ['./Device', './Device'],
    ['./user', './User'],
    ['Vendor/MSFT/Policy', 'Vendor/MSFT/Policy'],
  ])('%s -> %s', (key, normalised) => {
    expect(normalizeOmaUri(key)).toBe(normalised);
  });

  test('law: normalising is idempotent', () => {
    const prefix = fc.constantFrom('./Vendor/MSFT/', './vendor/msft/', './Device/', './device/', './USER/', './user/', './', '');
    fc.assert(
      fc.property(prefix, fc.string({ maxLength: 12 }), (p, rest) => {
        const once = normalizeOmaUri(p + rest);
        expect(normalizeOmaUri(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });
});

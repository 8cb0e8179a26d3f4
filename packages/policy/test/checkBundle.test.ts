import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { checkBundle, formatIssuePath, nearestName, omaUriProblem } from '@winmdm/policy';

const json = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../fixtures/${name}`, import.meta.url), 'utf8'));
const PERMISSIONS = ['mdm.windows.device.read', 'mdm.windows.device.update'];

describe('nearestName', () => {
  test.each([
    ['winPolicyAssigments', 'winPolicyAssignments'],
    ['winPolicyAssignmnets', 'winPolicyAssignments'],
    ['WinPolicyId', 'winPolicyId'],
    ['tgas', 'tags'],
    ['confg', 'config'],
  ])('%s is a near miss of %s', (name, meant) => {
    expect(nearestName(name, ['id', 'tags', 'config', 'winPolicyId', 'winPolicyAssignments'])).toBe(meant);
  });

  test.each(['ip', 'colour', 'customerNumber', 'winPolicyAssignments'])('%s resembles nothing (or is the name itself)', (name) => {
    expect(nearestName(name, ['id', 'tags', 'config', 'winPolicyId', 'winPolicyAssignments'])).toBeUndefined();
  });
});

describe('omaUriProblem', () => {
  test.each([
    './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera',
    './device/Vendor/MSFT/Policy/Config/Camera/AllowCamera',
    './User/Vendor/MSFT/Policy/Config/Start/HideAppList',
    './Vendor/MSFT/Personalization/DesktopImageUrl',
    './DevDetail/SwV',
    './Device/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category1/L_PolicySipCompression',
  ])('%s is valid', (uri) => {
    expect(omaUriProblem(uri)).toBeUndefined();
  });

  test.each([
    ['./Devic/Vendor/MSFT/Policy/Config/Camera/AllowCamera', '"Devic" is not a root of the management tree (did you mean "./Device/"?)'],
    ['Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera', 'it does not start with "./"'],
    ['./Device/Vendor/MSFT/Policy//Camera/AllowCamera', 'it has an empty segment ("//" or a trailing "/")'],
    ['./Device/Vendor/MSFT/Policy/Config/Camera/', 'it has an empty segment ("//" or a trailing "/")'],
    [' ./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera', 'it has leading or trailing whitespace'],
    ['./Device/Vendr/MSFT/Policy', './Device/ is followed by Vendor/, not "Vendr" (a misspelling?)'],
    ['./Device/Vendor/MSFT', 'it names no node below the vendor (./Device/Vendor/MSFT)'],
    ['./Registry/HKLM/x', '"Registry" is not a root of the management tree (./Device/, ./User/, ./Vendor/, ./DevDetail/, ./DevInfo/, ./SyncML/, ./cimv2/)'],
  ])('%s: %s', (uri, problem) => {
    expect(omaUriProblem(uri)).toBe(problem);
  });
});

describe('formatIssuePath', () => {
  test('prints indexes in brackets and keys that are not plain names quoted', () => {
    expect(formatIssuePath([])).toBe('(root)');
    expect(formatIssuePath(['apiTokens', 1, 'token'])).toBe('apiTokens[1].token');
    expect(formatIssuePath(['policies', 0, 'config', './Devic/Vendor/x'])).toBe('policies[0].config["./Devic/Vendor/x"]');
  });
});

describe('checkBundle', () => {
  test('the upstream examples and the demo fleet have no issues', () => {
    expect(checkBundle(json('bundles/seed.json'), { permissions: PERMISSIONS })).toEqual([]);
    expect(checkBundle(json('demo/bundle.json'))).toEqual([]);
  });

  test('names a misspelt field and the field it resembles; other unknown fields pass without comment', () => {
    const issues = checkBundle({
      devices: [{ id: 'd1', winPolicyAssigments: [{ winPolicyId: 'p1', priority: 1 }], vendorAssetTag: 'A-17', WinPolicyId: 'p1' }],
      policies: [{ id: 'p1', config: {}, applications: [{ winApplicationId: 'a', actoin: 'remove' }] }],
    });
    expect(issues).toEqual([
      {
        code: 'misspelt-field',
        severity: 'warning',
        path: ['devices', 0, 'WinPolicyId'],
        message: 'unknown field "WinPolicyId" looks like a misspelling of "winPolicyId": it is kept as it is, but nothing reads it',
      },
      {
        code: 'misspelt-field',
        severity: 'warning',
        path: ['devices', 0, 'winPolicyAssigments'],
        message: 'unknown field "winPolicyAssigments" looks like a misspelling of "winPolicyAssignments": it is kept as it is, but nothing reads it',
      },
      {
        code: 'misspelt-field',
        severity: 'warning',
        path: ['policies', 0, 'applications', 0, 'actoin'],
        message: 'unknown field "actoin" looks like a misspelling of "action": it is kept as it is, but nothing reads it',
      },
    ]);
  });

  test('a misspelling next to the real field is still one', () => {
    expect(checkBundle({ devices: [{ id: 'd1', tags: [], tgas: ['x'] }], policies: [] }).map((i) => i.path)).toEqual([['devices', 0, 'tgas']]);
  });

  test('config keys that are not OMA-URIs are errors, wherever a config is (policies, devices, embedded policies)', () => {
    const issues = checkBundle({
      devices: [{ id: 'd1', config: { './Devic/Vendor/MSFT/Policy/Config/A/B': 1 }, winPolicy: { config: { 'Vendor/MSFT/X/Y': 1 } } }],
      policies: [{ id: 'p1', config: { './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera': 1, './Device/Vendor/MSFT/Policy//X': 2 } }],
    });
    expect(issues.map((i) => [i.code, i.severity, formatIssuePath(i.path)])).toEqual([
      ['invalid-loc-uri', 'error', 'devices[0].config["./Devic/Vendor/MSFT/Policy/Config/A/B"]'],
      ['invalid-loc-uri', 'error', 'devices[0].winPolicy.config["Vendor/MSFT/X/Y"]'],
      ['invalid-loc-uri', 'error', 'policies[0].config["./Device/Vendor/MSFT/Policy//X"]'],
    ]);
    expect(issues[0]?.message).toBe('"./Devic/Vendor/MSFT/Policy/Config/A/B" is not a valid OMA-URI: "Devic" is not a root of the management tree (did you mean "./Device/"?)');
  });

  test('an unknown permission is an error, with the permission it resembles', () => {
    const bundle = { devices: [], policies: [], apiTokens: [{ token: 'x'.repeat(16), organizationId: 'o', permissions: ['mdm.windows.device.read', 'mdm.windows.device.updat', 'admin'] }] };
    expect(checkBundle(bundle, { permissions: PERMISSIONS })).toEqual([
      {
        code: 'unknown-permission',
        severity: 'error',
        path: ['apiTokens', 0, 'permissions', 1],
        message: '"mdm.windows.device.updat" is not a permission of the API (did you mean "mdm.windows.device.update"?)',
      },
      {
        code: 'unknown-permission',
        severity: 'error',
        path: ['apiTokens', 0, 'permissions', 2],
        message: '"admin" is not a permission of the API (mdm.windows.device.read, mdm.windows.device.update)',
      },
    ]);
    expect(checkBundle(bundle)).toEqual([]);
  });

  test('a policy assigned twice to one device is a warning', () => {
    const issues = checkBundle({
      devices: [{ id: 'd1', winPolicyAssignments: [{ winPolicyId: 'p1', priority: 1 }, { winPolicyId: 'p2', priority: 2 }, { winPolicyId: 'p1', priority: 3 }] }],
      policies: [],
    });
    expect(issues).toEqual([
      {
        code: 'duplicate-assignment',
        severity: 'warning',
        path: ['devices', 0, 'winPolicyAssignments', 2],
        message: 'policy "p1" is already assigned by winPolicyAssignments[0]: it counts once, at its best priority',
      },
    ]);
  });

  test('input that is not a bundle at all gives no issues (the schema reports it)', () => {
    expect(checkBundle(null)).toEqual([]);
    expect(checkBundle({ devices: 'x' })).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  BundleSchema,
  resolveEffectivePolicy,
  type Application,
  type Device,
  type ResolveInput,
  type WinPolicy,
} from '@winmdm/policy';

const seed = BundleSchema.parse(JSON.parse(readFileSync(new URL('../../../fixtures/bundles/seed.json', import.meta.url), 'utf8')));
const seedInput: ResolveInput = {
  device: seed.devices[0] as Device,
  policies: seed.policies,
  automationRules: seed.automationRules,
  applications: seed.applications,
  admxFiles: seed.admxFiles,
};

const BASE = '507f1f77bcf86cd7994390aa';
const SALES = '698f42e5457fafa13d0887a3';
const RULE = '698f42e5457fafa13d08879d';
const ENCRYPTION = './Device/Vendor/MSFT/Policy/Config/Security/RequireDeviceEncryption';
const CAMERA = './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera';

const enforcedRef = { layer: 'enforced', winPolicyId: SALES, priority: 1, automationRuleId: RULE };
const baseRef = { layer: 'base', winPolicyId: BASE };

describe('resolving the seed bundle', () => {
  const result = resolveEffectivePolicy(seedInput);

  test('is complete and raises no issue', () => {
    expect(result.issues).toEqual([]);
    expect(result.complete).toBe(true);
  });

  test('computes the enforced assignment of the upstream example from the automation rule', () => {
    expect(result.winPolicyAssignmentsEnforced).toEqual([
      {
        winPolicyId: SALES,
        priority: 1,
        automationRule: {
          id: RULE,
          name: 'Sales Team iOS Policies',
          deviceAudiences: [{ id: '698f42e5457fafa13d0887a7', name: 'Sales Department', reasons: ['tag:sales', 'user.department:Sales'] }],
        },
      },
    ]);
  });

  test('takes identity and metadata from the base policy', () => {
    const p = result.deviceWinPolicy;
    expect([p.id, p.name, p.version, p.segmentId, p.organizationId, p.updatedAt]).toEqual([
      BASE,
      'Corporate Security Baseline',
      5,
      '1',
      '507f1f77bcf86cd799439022',
      '2026-02-10T14:30:00.000Z',
    ]);
  });

  test('merges config per normalised key: the policy assigned and enforced counts once, as enforced', () => {
    expect(result.deviceWinPolicy.config).toEqual({
      [CAMERA]: 0,
      './Device/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category1/L_PolicyConfigurationMode': {
        data: { L_ServerAddressExternal_VALUE: 'sip-ext.contoso.com', L_ServerAddressInternal_VALUE: 'sip.contoso.com' },
        state: 'enabled',
      },
      './Device/Vendor/MSFT/Policy/Config/DeviceLock/DevicePasswordEnabled': 0,
      './Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength': { format: 'int', value: 8 },
      [ENCRYPTION]: '1',
    });
    expect(Object.keys(result.deviceWinPolicy.config ?? {})).toEqual(Object.keys(result.deviceWinPolicy.config ?? {}).sort());
  });

  test('records where each value came from and what it beat', () => {
    const encryption = result.provenance.find((p) => p.field === 'config' && p.key === ENCRYPTION);
    // The sales policy writes it as ./Vendor/MSFT/..., the device and the base as ./Device/...
    expect(encryption).toEqual({
      field: 'config',
      key: ENCRYPTION,
      source: enforcedRef,
      value: '1',
      overridden: [
        { source: { layer: 'device' }, value: '1' },
        { source: baseRef, value: '1' },
      ],
    });
  });

  test('lists a conflict only where sources disagree', () => {
    expect(result.conflicts.map((c) => [c.field, c.key, c.kind, c.winner.value, c.loser.value])).toEqual([
      ['agentConfiguration', 'allowLocation', 'overridden', false, true],
      ['applications', '507f1f77bcf86cd799439044', 'overridden', expect.objectContaining({ action: 'required' }), expect.objectContaining({ action: 'available' })],
      ['config', CAMERA, 'overridden', 0, 1],
    ]);
  });

  test('takes the whole application entry, action included, from the highest layer and chooses its version', () => {
    expect(result.deviceWinPolicy.applications).toEqual([
      { action: 'required', updatePolicy: { allowedVersions: '>=1.0.0 <2', autoUpdate: true }, winApplicationId: '507f1f77bcf86cd799439044' },
    ]);
    expect(result.deviceWinPolicy.applicationsInfo).toEqual([
      {
        commandLine: '/quiet /norestart',
        contentUrl: 'https://cdn.example.com/apps/contoso-company-app-1.4.2.1187.msi',
        id: '507f1f77bcf86cd799439044',
        name: 'Contoso Company App',
        productCode: '{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}',
        sha256: '9e7c5a3f1d0b8e6c4a2f0d9b7e5c3a1f8d6b4e2c0a9f7d5b3e1c8a6f4d2b0e9c',
        type: 'msi',
        version: '1.4.2.1187',
      },
    ]);
  });

  test('derives the ADMX info from the catalog and merges agent settings per field', () => {
    expect(result.deviceWinPolicy.admxConfigsInfo).toEqual([
      {
        appName: 'ContosoCompanyApp',
        description: 'Contoso company app settings (the sample ADMX of Microsoft Learn)',
        fileName: 'contoso.admx',
        id: '507f1f77bcf86cd799439055',
        settingType: 'Policy',
      },
    ]);
    expect(result.deviceWinPolicy.agentConfiguration).toEqual({
      allowLocation: false,
      allowNetworkStatus: true,
      allowPackageTime: false,
      allowPackageTransfer: false,
      buildTag: 'v2.5.0',
      enabled: true,
    });
  });

  test('without automation rules, the stored enforced list is used as given', () => {
    const stored = {
      winPolicyId: SALES,
      winPolicy: {},
      priority: 1,
      automationRule: { id: RULE, name: 'Sales Team iOS Policies', deviceAudiences: [{ id: 'aud', name: 'Sales', reasons: ['tag:sales'] }] },
    };
    const withStored = { ...seedInput.device, winPolicyAssignmentsEnforced: [stored] };
    const fromStore = resolveEffectivePolicy({ ...seedInput, device: withStored, automationRules: undefined });
    expect(fromStore.winPolicyAssignmentsEnforced).toEqual([stored]);
    expect(fromStore.provenance.find((p) => p.key === ENCRYPTION)?.source).toEqual(enforcedRef);

    const withNone = { ...seedInput.device, winPolicyAssignmentsEnforced: [] };
    const assignedOnly = resolveEffectivePolicy({ ...seedInput, device: withNone, automationRules: undefined });
    expect(assignedOnly.winPolicyAssignmentsEnforced).toEqual([]);
    // The sales policy is then only assigned (priority 1): the device's own config now beats it.
    expect(assignedOnly.provenance.find((p) => p.key === ENCRYPTION)?.source).toEqual({ layer: 'device' });
  });

  test('automation rules, when given, replace the stored enforced list', () => {
    const stale = { winPolicyId: BASE, priority: 0, automationRule: { id: 'old', name: 'Old', deviceAudiences: [] } };
    const result = resolveEffectivePolicy({ ...seedInput, device: { ...seedInput.device, winPolicyAssignmentsEnforced: [stale] } });
    expect(result.winPolicyAssignmentsEnforced.map((e) => e.automationRule.id)).toEqual([RULE]);
  });
});

const policy = (id: string, body: Omit<WinPolicy, 'id'> = {}): WinPolicy => ({ id, ...body });
const device = (body: Omit<Device, 'id'> = {}): Device => ({ id: 'device-1', ...body });

describe('issues', () => {
  test('a missing policy is policy-not-found with the path of its reference, and the result is incomplete', () => {
    const result = resolveEffectivePolicy({
      device: device({ winPolicyId: 'base', winPolicyAssignments: [{ winPolicyId: 'gone', priority: 0 }, { winPolicyId: 'gone', priority: 3 }] }),
      policies: [policy('base', { config: { [CAMERA]: 1 } })],
    });
    expect(result.complete).toBe(false);
    expect(result.issues).toEqual([
      {
        code: 'policy-not-found',
        path: ['device', 'winPolicyAssignments', 'gone'],
        message: 'Policy "gone" (assignment) is not among the policies given',
      },
    ]);
    expect(result.deviceWinPolicy.config).toEqual({ [CAMERA]: 1 });
  });

  test('a missing base policy leaves the effective policy without identity', () => {
    const result = resolveEffectivePolicy({ device: device({ winPolicyId: 'nope' }), policies: [] });
    expect(result.issues.map((i) => [i.code, i.path])).toEqual([['policy-not-found', ['device', 'winPolicyId']]]);
    expect(result.deviceWinPolicy).toEqual({
      admxConfigs: [],
      admxConfigsInfo: [],
      agentConfiguration: {},
      applications: [],
      applicationsInfo: [],
      assets: [],
      assetsInfo: [],
      bookmarks: [],
      config: {},
      scripts: [],
      scriptsInfo: [],
    });
  });

  test('a missing ADMX file or application is reported at the referencing policy, and the result is incomplete', () => {
    const result = resolveEffectivePolicy({
      device: device({ winPolicyId: 'p' }),
      policies: [policy('p', { admxConfigs: [{ winAdmxConfigId: 'admx-x' }], applications: [{ winApplicationId: 'app-x', action: 'required' }] })],
      applications: [],
    });
    expect(result.complete).toBe(false);
    expect(result.issues).toEqual([
      { code: 'admx-file-not-found', path: ['policies', 'p', 'admxConfigs', 'admx-x'], message: 'ADMX file "admx-x" is not in the ADMX catalog' },
      { code: 'application-not-found', path: ['policies', 'p', 'applications', 'app-x'], message: 'Application "app-x" is not in the application catalog' },
    ]);
    expect(result.deviceWinPolicy.admxConfigs).toEqual([{ winAdmxConfigId: 'admx-x' }]);
    expect(result.deviceWinPolicy.admxConfigsInfo).toEqual([]);
    expect(result.deviceWinPolicy.applicationsInfo).toEqual([]);
  });

  const app: Application = {
    id: 'app',
    name: 'App',
    type: 'msi',
    productCode: '{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}',
    versions: [
      { version: '1.0.0', contentUrl: 'https://cdn.example.com/1.msi', sha256: 'a'.repeat(64) },
      { version: '1.4.2.5', contentUrl: 'https://cdn.example.com/2.msi', sha256: 'b'.repeat(64) },
    ],
  };
  const withRange = (allowedVersions: string): ResolveInput => ({
    device: device({ winPolicyId: 'p' }),
    policies: [policy('p', { applications: [{ winApplicationId: 'app', updatePolicy: { allowedVersions } }] })],
    applications: [app],
  });

  test('no catalog version in the range is no-allowed-version: the info has no version, and the result stays complete', () => {
    const result = resolveEffectivePolicy(withRange('>=2'));
    expect(result.issues).toEqual([
      {
        code: 'no-allowed-version',
        path: ['policies', 'p', 'applications', 'app', 'updatePolicy', 'allowedVersions'],
        message: 'No catalog version of application "app" satisfies ">=2"',
      },
    ]);
    expect(result.complete).toBe(true);
    expect(result.deviceWinPolicy.applicationsInfo).toEqual([
      { id: 'app', name: 'App', productCode: '{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}', type: 'msi' },
    ]);
  });

  test('an unreadable range is invalid-version-range, not a crash', () => {
    const result = resolveEffectivePolicy(withRange('>=1.0.0-beta'));
    expect(result.issues).toEqual([
      {
        code: 'invalid-version-range',
        path: ['policies', 'p', 'applications', 'app', 'updatePolicy', 'allowedVersions'],
        message: 'Invalid allowedVersions range ">=1.0.0-beta": ">=1.0.0-beta" is not a comparator',
      },
    ]);
  });

  test('four-part catalog versions are compared on every part', () => {
    const result = resolveEffectivePolicy(withRange('<1.4.2.6'));
    expect(result.deviceWinPolicy.applicationsInfo?.[0]?.version).toBe('1.4.2.5');
    expect(resolveEffectivePolicy(withRange('<1.4.2.5')).deviceWinPolicy.applicationsInfo?.[0]?.version).toBe('1.0.0');
  });

  test('two raw keys of one policy normalising alike are duplicate-key; the greatest raw key wins', () => {
    const result = resolveEffectivePolicy({
      device: device({ winPolicyId: 'p' }),
      policies: [policy('p', { config: { './Vendor/MSFT/Policy/Config/Camera/AllowCamera': 1, [CAMERA]: 0, './device/Vendor/MSFT/Policy/Config/Camera/AllowCamera': 2 } })],
    });
    // Code-unit order: './Device/...' < './Vendor/...' < './device/...'
    expect(result.deviceWinPolicy.config).toEqual({ [CAMERA]: 2 });
    expect(result.issues).toEqual(
      [CAMERA, './Vendor/MSFT/Policy/Config/Camera/AllowCamera'].map((raw) => ({
        code: 'duplicate-key',
        path: ['policies', 'p', 'config', raw],
        message: `Config key "${raw}" normalises to "${CAMERA}" like another key of the same source; the greatest raw key in code-unit order wins`,
      })),
    );
    expect(result.conflicts).toEqual([]);
  });

  test('two entries of one policy with the same key are duplicate-key; the choice does not depend on their order', () => {
    const scripts = [
      { id: 's', name: 'A' },
      { id: 's', name: 'B' },
      { id: 's', name: 'C' },
    ];
    const run = (list: typeof scripts) =>
      resolveEffectivePolicy({ device: device({ winPolicyId: 'p' }), policies: [policy('p', { scripts: list })] });
    const result = run(scripts);
    expect(result.deviceWinPolicy.scripts).toEqual([{ id: 's', name: 'C' }]);
    expect(result.provenance.find((p) => p.field === 'scripts')?.overridden).toEqual([]);
    expect(result.issues.map((i) => [i.code, i.path])).toEqual([
      ['duplicate-key', ['policies', 'p', 'scripts', 's']],
      ['duplicate-key', ['policies', 'p', 'scripts', 's']],
    ]);
    expect(JSON.stringify(run([scripts[2], scripts[0], scripts[1]] as typeof scripts))).toBe(JSON.stringify(result));
  });

  test('different documents with one id are duplicate-id, resolved the same way whatever their order', () => {
    const a = policy('p', { config: { [CAMERA]: 0 } });
    const b = policy('p', { config: { [CAMERA]: 1 } });
    const input = (policies: WinPolicy[]): ResolveInput => ({ device: device({ winPolicyId: 'p' }), policies });
    const one = resolveEffectivePolicy(input([a, b]));
    expect(JSON.stringify(resolveEffectivePolicy(input([b, a])))).toBe(JSON.stringify(one));
    expect(one.issues).toEqual([
      { code: 'duplicate-id', path: ['policies', 'p'], message: '2 different documents of policies have id "p"; the greatest in canonical JSON order is used' },
    ]);
    expect(resolveEffectivePolicy(input([a, structuredClone(a)])).issues).toEqual([]);
  });

  test('a policy without id cannot be referenced and is reported', () => {
    const result = resolveEffectivePolicy({ device: device(), policies: [{ name: 'Orphan' }] });
    expect(result.issues).toEqual([
      { code: 'missing-id', path: ['policies'], message: 'A document of policies has no id and cannot be referenced' },
    ]);
  });
});

describe('layers', () => {
  test('at equal priority the smaller winPolicyId wins, reported as ambiguous-priority', () => {
    const result = resolveEffectivePolicy({
      device: device({ winPolicyAssignments: [{ winPolicyId: 'b', priority: 1 }, { winPolicyId: 'a', priority: 1 }, { winPolicyId: 'c', priority: 2 }] }),
      policies: [policy('a', { config: { [CAMERA]: 0 } }), policy('b', { config: { [CAMERA]: 1 } }), policy('c', { config: { [CAMERA]: 2 } })],
    });
    expect(result.deviceWinPolicy.config).toEqual({ [CAMERA]: 0 });
    expect(result.conflicts.map((c) => [c.kind, c.loser.source.winPolicyId])).toEqual([
      ['ambiguous-priority', 'b'],
      ['overridden', 'c'],
    ]);
  });

  test('a lower priority number wins, the device beats assignments, enforced beats the device', () => {
    const input: ResolveInput = {
      device: device({
        winPolicyId: 'base',
        winPolicyAssignments: [{ winPolicyId: 'p0', priority: 0 }, { winPolicyId: 'p5', priority: 5 }],
        config: { [ENCRYPTION]: 'device' },
        winPolicyAssignmentsEnforced: [
          { winPolicyId: 'e', priority: 9, automationRule: { id: 'r', name: 'R', deviceAudiences: [{ id: 'a', name: 'A', reasons: ['tag:x'] }] } },
        ],
      }),
      policies: [
        policy('base', { config: { [CAMERA]: 'base', [ENCRYPTION]: 'base' } }),
        policy('p0', { config: { [CAMERA]: 'p0' } }),
        policy('p5', { config: { [CAMERA]: 'p5', [ENCRYPTION]: 'p5' } }),
        policy('e', { config: { [ENCRYPTION]: 'enforced' } }),
      ],
    };
    const result = resolveEffectivePolicy(input);
    expect(result.deviceWinPolicy.config).toEqual({ [CAMERA]: 'p0', [ENCRYPTION]: 'enforced' });
    expect(result.provenance.find((p) => p.key === ENCRYPTION)?.overridden.map((o) => o.value)).toEqual(['device', 'p5', 'base']);
  });

  test('scriptsInfo and assetsInfo pass through from the policies that contribute scripts and assets', () => {
    const result = resolveEffectivePolicy({
      device: device({ winPolicyId: 'base', winPolicyAssignments: [{ winPolicyId: 'p', priority: 0 }] }),
      policies: [
        policy('base', { scripts: [{ id: 's' }], scriptsInfo: [{ from: 'base' }], assetsInfo: [{ from: 'base' }] }),
        policy('p', { scripts: [{ id: 's', name: 'wins' }], scriptsInfo: [{ from: 'p' }, { from: 'p' }] }),
      ],
    });
    expect(result.deviceWinPolicy.scriptsInfo).toEqual([{ from: 'p' }]);
    expect(result.deviceWinPolicy.assetsInfo).toEqual([]);
  });

  test('a "__proto__" config key stays an ordinary key', () => {
    const config = JSON.parse('{"__proto__": "1", "./Device/X": "2"}') as Record<string, string>;
    const result = resolveEffectivePolicy({ device: device({ config }), policies: [] });
    const effective = result.deviceWinPolicy.config as Record<string, unknown>;
    expect(Object.getPrototypeOf(effective)).toBe(Object.prototype);
    expect(Object.hasOwn(effective, '__proto__')).toBe(true);
    expect(JSON.stringify(effective)).toBe('{"./Device/X":"2","__proto__":"1"}');
  });
});

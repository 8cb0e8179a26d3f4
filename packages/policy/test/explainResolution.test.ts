import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  BundleSchema,
  explainResolution,
  resolveEffectivePolicy,
  shortenKey,
  valueText,
  type Bundle,
  type Device,
  type NodeStatusInput,
} from '../src/index.js';

const bundle: Bundle = BundleSchema.parse(JSON.parse(readFileSync(new URL('../../../fixtures/demo/bundle.json', import.meta.url), 'utf8')));
const P = './Device/Vendor/MSFT/Policy/Config/';

function explain(id: string, nodes?: NodeStatusInput[], patch: Partial<Device> = {}) {
  const device = { ...(bundle.devices.find((d) => d.id === id) as Device), ...patch };
  // The demo's users live beside the devices: embed the one the sales rule reads.
  const withUser = device.mdmUserId === 'user-alice' ? { ...device, mdmUser: { id: 'user-alice', department: 'Sales' } } : device;
  const resolution = resolveEffectivePolicy({
    device: withUser,
    policies: bundle.policies,
    automationRules: bundle.automationRules,
    applications: bundle.applications,
    admxFiles: bundle.admxFiles,
  });
  return explainResolution({ device: withUser, policies: bundle.policies, resolution, nodes });
}

describe('explainResolution', () => {
  test('a key two policies set: the assignment wins, the base value it beat is named with its policy', () => {
    const row = explain('dev-contoso-001').settings.find((s) => s.key === `${P}DeviceLock/MinDevicePasswordLength`);
    expect(row).toMatchObject({
      shortKey: 'DeviceLock/MinDevicePasswordLength',
      valueText: '12',
      source: { layer: 'assignment', winPolicyId: 'pol-contoso-strict-passwords', priority: 1, label: 'assignment p1 "Strict passwords"' },
      beat: [{ source: { layer: 'base', label: 'base "Corporate Security Baseline"' }, valueText: '8', same: false }],
      conflict: 'overridden',
      delivery: 'syncml',
    });
  });

  test('three sources of one key are listed highest first; a device override beats the base', () => {
    const explanation = explain('dev-contoso-002');
    const length = explanation.settings.find((s) => s.shortKey === 'DeviceLock/MinDevicePasswordLength');
    expect(length?.beat.map((b) => [b.source.label, b.valueText])).toEqual([
      ['assignment p2 "Relaxed updates"', '6'],
      ['base "Corporate Security Baseline"', '8'],
    ]);
    const wallpaper = explanation.settings.find((s) => s.shortKey === 'Personalization/DesktopImageUrl');
    expect(wallpaper?.source.label).toBe('device override');
    expect(wallpaper?.beat[0]?.source.label).toBe('base "Corporate Security Baseline"');
    expect(explanation.layers.map((l) => l.source.label)).toEqual([
      'base "Corporate Security Baseline"',
      'assignment p2 "Relaxed updates"',
      'assignment p1 "Strict passwords"',
      'device override',
    ]);
  });

  test('an enforced value names its rule and the criteria that matched', () => {
    const explanation = explain('dev-contoso-001');
    const wallpaper = explanation.settings.find((s) => s.shortKey === 'Personalization/DesktopImageUrl');
    expect(wallpaper?.source).toMatchObject({
      layer: 'enforced',
      automationRuleId: 'rule-contoso-sales',
      automationRuleName: 'Sales team policies',
      reasons: ['tag:sales', 'user.department:Sales'],
      label: 'enforced "Sales team apps" by rule "Sales team policies" (tag:sales, user.department:Sales)',
    });
    expect(explanation.layers.at(-1)).toMatchObject({
      source: { layer: 'enforced' },
      audiences: [{ id: 'aud-contoso-sales', name: 'Sales Department', reasons: ['tag:sales', 'user.department:Sales'] }],
      missing: false,
    });
    const admx = explanation.settings.find((s) => s.key.includes('L_PolicyConfigurationMode'));
    expect(admx).toMatchObject({
      shortKey: 'ContosoCompanyApp~…~Category1/L_PolicyConfigurationMode',
      valueText: 'enabled: L_ServerAddressExternal_VALUE=crm.contoso.com, L_ServerAddressInternal_VALUE=crm.contoso.internal',
    });
    expect(explanation.settings.find((s) => s.field === 'bookmarks')).toMatchObject({ delivery: 'agent', shortKey: 'bookmark https://intranet.contoso.example' });
    // Catalog entries are named after the catalog, with the version the resolution chose.
    expect(explanation.settings.find((s) => s.field === 'applications')).toMatchObject({ shortKey: 'app Contoso CRM', valueText: 'required >=3.0.0 <4.0.0 → 3.2.1.1024' });
    expect(explanation.settings.find((s) => s.field === 'admxConfigs')).toMatchObject({ shortKey: 'admx contoso-company-app.admx', valueText: 'ContosoCompanyApp Policy' });
    // SyncML settings come first, agent-only ones last.
    expect([...new Set(explanation.settings.map((s) => s.field))]).toEqual(['config', 'admxConfigs', 'applications', 'bookmarks', 'agentConfiguration']);
  });

  test('statuses come from the node each setting is delivered as, with the code\'s meaning and history', () => {
    const nodes: NodeStatusInput[] = [
      { locUri: `${P}DeviceLock/MinDevicePasswordLength`, status: 'failed', code: 404, updatedAt: '2026-11-02T10:00:00.000Z', history: [
        { status: 'sent', at: '2026-11-02T09:59:00.000Z', value: '12' },
        { status: 'failed', code: 404, at: '2026-11-02T10:00:00.000Z', value: '12' },
      ] },
      { locUri: './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{6E3C4B1A-2F5D-4A8E-9B7C-1D2E3F4A5B6C}/DownloadInstall', kind: 'msi', status: 'failed', code: 1603 },
      { locUri: './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/ContosoCompanyApp/Policy/admx-contoso-company-app', status: 'sent' },
      { locUri: `${P}Camera/AllowCamera`, status: 'applied', code: 200 },
    ];
    const explanation = explain('dev-contoso-001', nodes);
    expect(explanation.settings.find((s) => s.shortKey === 'DeviceLock/MinDevicePasswordLength')?.status).toEqual({
      locUri: `${P}DeviceLock/MinDevicePasswordLength`,
      status: 'failed',
      statusMeaning: 'refused or failed on the device',
      code: 404,
      codeMeaning: 'node not found',
      updatedAt: '2026-11-02T10:00:00.000Z',
      history: nodes[0]?.history,
    });
    // An MSI node's code is its installer's result.
    expect(explanation.settings.find((s) => s.field === 'applications')?.status).toMatchObject({ status: 'failed', code: 1603, codeMeaning: 'installer: fatal error during installation' });
    expect(explanation.settings.find((s) => s.field === 'admxConfigs')?.status?.status).toBe('sent');
    // A node no effective setting accounts for is listed apart.
    expect(explanation.otherNodes.map((n) => n.locUri)).toEqual([`${P}Camera/AllowCamera`]);
    const syncml = explanation.settings.filter((s) => s.delivery === 'syncml').length;
    expect(Object.values(explanation.statusCounts).reduce((a, b) => a + b, 0)).toBe(syncml);
    expect(explanation.statusCounts).toMatchObject({ failed: 2, sent: 1 });
  });

  test('equal priorities that disagree are an ambiguous-priority conflict, on the row and below the table', () => {
    const explanation = explain('dev-contoso-003', undefined, {
      winPolicyAssignments: [
        { winPolicyId: 'pol-contoso-strict-passwords', priority: 1 },
        { winPolicyId: 'pol-contoso-relaxed-updates', priority: 1 },
      ],
    });
    const row = explanation.settings.find((s) => s.shortKey === 'DeviceLock/MinDevicePasswordLength');
    expect(row?.conflict).toBe('ambiguous-priority');
    expect(row?.source.winPolicyId).toBe('pol-contoso-relaxed-updates');
    expect(explanation.conflicts.filter((c) => c.shortKey === 'DeviceLock/MinDevicePasswordLength').map((c) => [c.kind, c.loser.source.label])).toEqual([
      ['ambiguous-priority', 'assignment p1 "Strict passwords"'],
      ['overridden', 'base "Corporate Security Baseline"'],
    ]);
  });

  test('a missing policy marks its layer, the explanation incomplete, and is an issue', () => {
    const explanation = explain('dev-contoso-003', undefined, { winPolicyAssignments: [{ winPolicyId: 'pol-gone', priority: 0 }] });
    expect(explanation.complete).toBe(false);
    expect(explanation.layers.find((l) => l.source.winPolicyId === 'pol-gone')).toMatchObject({ missing: true, source: { label: 'assignment p0 pol-gone' } });
    expect(explanation.issues).toEqual([expect.objectContaining({ code: 'policy-not-found' })]);
  });

  test('a policy referenced twice counts at its highest place; the other reference says where', () => {
    const explanation = explain('dev-contoso-003', undefined, {
      winPolicyAssignments: [
        { winPolicyId: 'pol-contoso-strict-passwords', priority: 3 },
        { winPolicyId: 'pol-contoso-strict-passwords', priority: 1 },
        { winPolicyId: 'pol-contoso-baseline', priority: 2 },
      ],
    });
    expect(explanation.layers.map((l) => [l.source.label, l.countedAt])).toEqual([
      ['base "Corporate Security Baseline"', 'assignment p2 "Corporate Security Baseline"'],
      ['assignment p3 "Strict passwords"', 'assignment p1 "Strict passwords"'],
      ['assignment p2 "Corporate Security Baseline"', undefined],
      ['assignment p1 "Strict passwords"', undefined],
    ]);
  });
});

describe('shortenKey and valueText', () => {
  test('keys lose the prefix they share, keep their scope, and ADMX areas keep app and innermost category', () => {
    expect(shortenKey('config', './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera')).toBe('Camera/AllowCamera');
    expect(shortenKey('config', './User/Vendor/MSFT/Policy/Config/Start/HideAppList')).toBe('[user] Start/HideAppList');
    expect(shortenKey('config', './Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption')).toBe('BitLocker/RequireDeviceEncryption');
    expect(shortenKey('config', './Device/Vendor/MSFT/Policy/Config/Chrome~Policy~googlechrome/HomepageLocation')).toBe('Chrome~Policy~googlechrome/HomepageLocation');
    expect(shortenKey('config', './DevDetail/Ext/Microsoft/DeviceName')).toBe('./DevDetail/Ext/Microsoft/DeviceName');
    expect(shortenKey('applications', 'app-1')).toBe('app app-1');
    expect(shortenKey('agentConfiguration', 'buildTag')).toBe('agent.buildTag');
  });

  test('values read in one line', () => {
    expect(valueText('config', { value: 5, format: 'int' })).toBe('5 (int)');
    expect(valueText('config', { value: 'x' })).toBe('x');
    expect(valueText('config', { state: 'disabled' })).toBe('disabled');
    expect(valueText('config', { state: 'enabled', data: { List: ['a', 'b'] } })).toBe('enabled: List=a|b');
    expect(valueText('applications', { winApplicationId: 'a', action: 'remove' })).toBe('remove');
    expect(valueText('applications', { winApplicationId: 'a', updatePolicy: { allowedVersions: '>=3' } })).toBe('required >=3');
    expect(valueText('agentConfiguration', false)).toBe('false');
    expect(valueText('config', 'x'.repeat(200))).toHaveLength(160);
    expect(valueText('scripts', { id: 's', content: 'echo' })).toBe('{"id":"s","content":"echo"}');
  });
});

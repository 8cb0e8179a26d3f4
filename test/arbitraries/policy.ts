/**
 * fast-check arbitraries for `@winmdm/policy`: realistic resolution inputs in which things collide
 * on purpose. Small pools of ids, keys and values make several policies set the same keys (often to
 * the same value, often not), assign the same policy twice, tie on priority, reference policies and
 * catalog entries that do not exist, spell one OMA-URI in several ways and enforce policies through
 * automation rules or a stored enforced list.
 */
import fc, { type GeneratorValue } from 'fast-check';
import type {
  AdmxFile,
  Application,
  AutomationRule,
  ConfigValue,
  Device,
  EnforcedAssignment,
  ResolveInput,
  WinPolicy,
} from '@winmdm/policy';

/** Policy ids; inputs hold documents for only some of them, so references can dangle. */
export const POLICY_IDS = [
  '65a000000000000000000001',
  '65a000000000000000000002',
  '65a000000000000000000003',
  '65a000000000000000000004',
  '65a000000000000000000005',
  '65a000000000000000000006',
] as const;

export const APPLICATION_IDS = ['507f1f77bcf86cd799439044', '507f1f77bcf86cd799439045', '507f1f77bcf86cd799439046'] as const;
export const ADMX_IDS = ['507f1f77bcf86cd799439055', '507f1f77bcf86cd799439056'] as const;
export const RULE_IDS = ['698f42e5457fafa13d08879d', '698f42e5457fafa13d08879e', '698f42e5457fafa13d08879f'] as const;

const KEY_STEMS = [
  'Policy/Config/Camera/AllowCamera',
  'Policy/Config/DeviceLock/DevicePasswordEnabled',
  'Policy/Config/Security/RequireDeviceEncryption',
  'Policy/Config/Defender/AllowRealtimeMonitoring',
  'Policy/Config/Update/ActiveHoursStart',
  'Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category1/L_PolicyPreventRun',
] as const;

/** Scope prefixes, several of which normalise to the same `./Device/Vendor/MSFT/`. */
const PREFIXES = [
  './Device/Vendor/MSFT/',
  './Device/Vendor/MSFT/',
  './Vendor/MSFT/',
  './device/Vendor/MSFT/',
  './VENDOR/msft/',
  './User/Vendor/MSFT/',
  './user/Vendor/MSFT/',
] as const;

/** An OMA-URI config key, in any of the spellings Windows treats alike. */
export const omaUriArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...KEY_STEMS))
  .map(([prefix, stem]) => prefix + stem);

const VALUES: readonly ConfigValue[] = [
  0,
  1,
  '0',
  '1',
  true,
  false,
  { value: 1, format: 'int' },
  { value: '1', format: 'chr' },
  { state: 'enabled' },
  { state: 'disabled' },
  { state: 'enabled', data: { L_ServerAddressInternal_VALUE: 'sip.contoso.com', L_List: ['a', 'b'] } },
];

/** A config value from a small pool (so equal values are common); objects are fresh copies. */
export const configValueArb: fc.Arbitrary<ConfigValue> = fc.constantFrom(...VALUES).map((v) => structuredClone(v));

export const configArb: fc.Arbitrary<Record<string, ConfigValue>> = fc.dictionary(omaUriArb, configValueArb, {
  maxKeys: 6,
});

const rangeArb = fc.constantFrom('>=1.0.0', '^1.2', '1.4.x', '>=1.0.0 <1.4.2.1000', '<1', '~1.4.2.5', 'not a range', '*');

const policyApplicationArb = fc.record(
  {
    winApplicationId: fc.constantFrom(...APPLICATION_IDS),
    action: fc.constantFrom('required' as const, 'available' as const, 'remove' as const),
    updatePolicy: fc.record({ autoUpdate: fc.boolean(), allowedVersions: rangeArb }, { requiredKeys: ['autoUpdate'] }),
    configuration: fc.record({ language: fc.constantFrom('en', 'de') }),
  },
  { requiredKeys: ['winApplicationId'] },
);

const scriptArb = fc.record(
  {
    id: fc.constantFrom('script-1', 'script-2', 'script-3'),
    type: fc.constantFrom('once', 'loop'),
    name: fc.constantFrom('Set proxy', 'Clean temp'),
    runner: fc.constant('powershell.exe'),
    loopTime: fc.constantFrom(0, 60),
  },
  { requiredKeys: ['id'] },
);

const bookmarkArb = fc.record(
  {
    url: fc.constantFrom('https://intranet.example.com', 'https://crm.example.com'),
    title: fc.constantFrom('Intranet', 'CRM', 'Home'),
  },
  { requiredKeys: ['url'] },
);

const assetArb = fc.record(
  {
    mdmAssetId: fc.constantFrom('asset-1', 'asset-2'),
    location: fc.constantFrom('C:\\ProgramData\\Contoso', '%USERPROFILE%\\Desktop'),
    scope: fc.constantFrom('user', 'device'),
  },
  { requiredKeys: ['mdmAssetId'] },
);

const agentConfigurationArb = fc.record(
  {
    enabled: fc.boolean(),
    buildTag: fc.constantFrom('v2.5.0', 'v2.6.0'),
    allowLocation: fc.boolean(),
    allowPackageTime: fc.boolean(),
  },
  { requiredKeys: [] },
);

const infoArb = fc.array(fc.record({ note: fc.constantFrom('a', 'b') }, { requiredKeys: [] }), { maxLength: 2 });

/** The content of a policy document (everything but its id). */
const policyBodyArb = fc.record(
  {
    name: fc.constantFrom('Corporate Security Baseline', 'Sales Team Policies', 'Kiosk'),
    version: fc.integer({ min: 1, max: 9 }),
    config: configArb,
    applications: fc.array(policyApplicationArb, { maxLength: 2 }),
    scripts: fc.array(scriptArb, { maxLength: 2 }),
    scriptsInfo: infoArb,
    bookmarks: fc.array(bookmarkArb, { maxLength: 2 }),
    assets: fc.array(assetArb, { maxLength: 2 }),
    assetsInfo: infoArb,
    admxConfigs: fc.array(fc.record({ winAdmxConfigId: fc.constantFrom(...ADMX_IDS) }), { maxLength: 2 }),
    agentConfiguration: agentConfigurationArb,
    segmentId: fc.constantFrom('1', '2'),
  },
  { requiredKeys: ['config'] },
);

/** A policy document with the given id. */
export function policyArb(id: string): fc.Arbitrary<WinPolicy> {
  return policyBodyArb.map((body) => ({ id, ...body }));
}

/** Keeps each item with probability 3/4: most references resolve, some dangle. */
function mostOf<T>(arbs: fc.Arbitrary<T>[]): fc.Arbitrary<T[]> {
  return fc
    .tuple(...arbs.map((arb) => fc.option(arb, { freq: 4 })))
    .map((items) => items.filter((item): item is T => item !== null));
}

/** Documents for most of {@link POLICY_IDS} (ids unique). */
export const policiesArb: fc.Arbitrary<WinPolicy[]> = mostOf(POLICY_IDS.map(policyArb));

const priorityArb = fc.integer({ min: 0, max: 3 });

const criterionArb = fc.constantFrom(
  'tag:sales',
  'tag:finance',
  'tag:Sales',
  'user.department:Sales',
  'user.department:Finance',
  'user.costCenter:4711',
  'segment:1',
  'segment:2',
  'tag:',
  'group:admins',
);

export const automationRuleArb: fc.Arbitrary<AutomationRule> = fc.record({
  id: fc.constantFrom(...RULE_IDS),
  name: fc.constantFrom('Sales Team iOS Policies', 'Finance lockdown'),
  winPolicyId: fc.constantFrom(...POLICY_IDS),
  priority: priorityArb,
  deviceAudiences: fc.array(
    fc.record(
      {
        id: fc.constantFrom('698f42e5457fafa13d0887a7', '698f42e5457fafa13d0887a8'),
        name: fc.constantFrom('Sales Department', 'Finance'),
        criteria: fc.array(criterionArb, { minLength: 1, maxLength: 3 }),
        match: fc.constantFrom('any' as const, 'all' as const),
      },
      { requiredKeys: ['id', 'name', 'criteria'] },
    ),
    { maxLength: 2 },
  ),
});

export const storedEnforcedArb: fc.Arbitrary<EnforcedAssignment> = fc.record({
  winPolicyId: fc.constantFrom(...POLICY_IDS),
  priority: priorityArb,
  automationRule: fc.record({
    id: fc.constantFrom(...RULE_IDS),
    name: fc.constant('Stored rule'),
    deviceAudiences: fc.array(
      fc.record({
        id: fc.constantFrom('aud-1', 'aud-2'),
        name: fc.constant('Audience'),
        reasons: fc.array(criterionArb, { minLength: 1, maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  }),
});

export const deviceArb: fc.Arbitrary<Device> = fc.record(
  {
    id: fc.constant('507f1f77bcf86cd799439011'),
    tags: fc.subarray(['sales', 'finance', 'field-team', 'remote']),
    mdmUser: fc.record(
      {
        id: fc.constant('507f1f77bcf86cd799439066'),
        email: fc.constant('ana@example.com'),
        department: fc.constantFrom('Sales', 'Finance', 'sales'),
        attributes: fc.record({ costCenter: fc.constantFrom('4711', 4711, '0815') }),
      },
      { requiredKeys: ['id'] },
    ),
    segmentId: fc.constantFrom('1', '2'),
    winPolicyId: fc.constantFrom(...POLICY_IDS),
    winPolicyAssignments: fc.array(fc.record({ winPolicyId: fc.constantFrom(...POLICY_IDS), priority: priorityArb }), {
      maxLength: 5,
    }),
    config: configArb,
    winPolicyAssignmentsEnforced: fc.array(storedEnforcedArb, { maxLength: 3 }),
  },
  { requiredKeys: ['id'] },
);

const sha = (c: string): string => c.repeat(64);

export const applicationArb = (id: string): fc.Arbitrary<Application> =>
  fc.record({
    id: fc.constant(id),
    name: fc.constantFrom('Contoso Company App', 'Fabrikam Agent'),
    type: fc.constant('msi' as const),
    productCode: fc.constantFrom('{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}', '{1D6C2F4E-5A3B-4D7C-8E9F-0A1B2C3D4E5F}'),
    versions: fc.uniqueArray(
      fc.constantFrom('1.0.0', '1.2', '1.4.2.5', '1.4.2.1187', '1.4.2.1000', '2.0', '10.0.19045.3803').map((version) => ({
        version,
        contentUrl: `https://cdn.example.com/apps/${id}-${version}.msi`,
        sha256: sha(version.length % 2 === 0 ? 'a' : 'b'),
      })),
      { selector: (v) => v.version, maxLength: 4 },
    ),
  });

export const applicationsArb: fc.Arbitrary<Application[]> = mostOf(APPLICATION_IDS.map(applicationArb));

export const admxFilesArb: fc.Arbitrary<AdmxFile[]> = mostOf(
  ADMX_IDS.map((id) =>
    fc.constant({
      id,
      appName: 'ContosoCompanyApp',
      settingType: 'Policy' as const,
      fileName: `${id}.admx`,
      description: 'Contoso company app settings',
      content: '<policyDefinitions revision="1.0" schemaVersion="1.0"/>',
    }),
  ),
);

/** A whole resolution input; automation rules are present in about half of the cases. */
export const resolveInputArb: fc.Arbitrary<ResolveInput> = fc
  .record(
    {
      device: deviceArb,
      policies: policiesArb,
      automationRules: fc.array(automationRuleArb, { maxLength: 3 }),
      applications: applicationsArb,
      admxFiles: admxFilesArb,
    },
    { requiredKeys: ['device', 'policies'] },
  )
  .map((input) => input as ResolveInput);

/**
 * Shuffles every array whose order carries no meaning, and the key order of every object, deeply.
 * Left in order: `criteria` and `reasons` (their order is data: reasons follow the criteria) and
 * arrays inside ADMX `data` values (multi-value lists).
 */
export function shuffleDeep<T>(value: T, g: GeneratorValue, frozen = false): T {
  if (Array.isArray(value)) {
    const items = value.map((v) => shuffleDeep(v, g, frozen));
    if (!frozen) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = g(fc.integer, { min: 0, max: i });
        [items[i], items[j]] = [items[j], items[i]];
      }
    }
    return items as T;
  }
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = g(fc.integer, { min: 0, max: i });
    [entries[i], entries[j]] = [entries[j] as [string, unknown], entries[i] as [string, unknown]];
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    out[k] = shuffleDeep(v, g, frozen || k === 'criteria' || k === 'reasons' || k === 'data');
  }
  return out as T;
}

/**
 * fast-check arbitraries and a Windows device model for the laws of `planCommands`.
 *
 * A scenario is an effective policy (a `ResolutionResult` built directly, so that every branch of
 * the planner is reached often: ADMX-backed values of ingested and built-in policies, valid and
 * invalid; plain values of every format; values large enough to need OMA-DM large objects; MSI
 * applications required, available and removed; two revisions of one ADMX file) together with what
 * the server knows about the device and what the device really holds, consistent with each other.
 *
 * Every pool value carries its canonical form written out by hand: the laws compare the planner's
 * desired values with it, so the canonical forms are checked independently of the planner.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { admxPolicyUris, parseAdmx } from '@winmdm/admx';
import type { Command, Item } from '@winmdm/syncml';
import { classifyStatus, nodeTransition, type NodeRecord } from '@winmdm/policy';
import type {
  AdmxFile,
  ApplicationInfo,
  ConfigValue,
  KnownNode,
  NodeKind,
  PlannedCommand,
  PolicyApplication,
  ResolutionResult,
  WinPolicy,
} from '@winmdm/policy';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/admx/${name}`, import.meta.url), 'utf8');

/** FNV-1a 64 with BigInt over `TextEncoder` bytes: an oracle written apart from the planner's. */
export function digestOf(content: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(content)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `fnv1a64:${h.toString(16).padStart(16, '0')}`;
}

const contoso = fixture('admx-contoso-sample-learn.admx');

/** Microsoft's Contoso sample ADMX, as catalog entry `AppAdmxFile01`. */
export const CONTOSO_R1: AdmxFile = {
  id: 'AppAdmxFile01',
  appName: 'ContosoCompanyApp',
  settingType: 'Policy',
  fileName: 'contoso.admx',
  content: contoso,
};
/** A later revision of the same catalog entry (same policies, other content). */
export const CONTOSO_R2: AdmxFile = { ...CONTOSO_R1, content: contoso.replace('revision="1.0"', 'revision="1.1"') };
/** The Firefox-layout sample ADMX (categories under another file's namespace). */
export const FIREFOX: AdmxFile = {
  id: 'FirefoxCookies',
  appName: 'Firefox',
  settingType: 'Policy',
  fileName: 'firefox.admx',
  content: fixture('firefox-cookies-sample.admx'),
};

export const CONTOSO_INSTALL = './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/ContosoCompanyApp/Policy/AppAdmxFile01';
export const FIREFOX_INSTALL = './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/Firefox/Policy/FirefoxCookies';
const OLD_INSTALL = './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/OldApp/Policy/OldFile';

/** The ADMXInstall URI each file of the catalog is ingested at. */
export const INSTALL_URI: Readonly<Record<string, string>> = { AppAdmxFile01: CONTOSO_INSTALL, FirefoxCookies: FIREFOX_INSTALL };

/** Every policy URI an ADMX file defines → the ADMXInstall URI it needs (computed with `@winmdm/admx`). */
export const POLICY_FILE = new Map<string, string>();
for (const file of [CONTOSO_R1, FIREFOX]) {
  for (const uri of admxPolicyUris(parseAdmx(file.content), { appName: file.appName, settingType: file.settingType }).keys()) {
    POLICY_FILE.set(uri, INSTALL_URI[file.id] as string);
  }
}

const CONTOSO_AREA = './Device/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category1';

/** A config value with its canonical form (`null`: invalid, the planner reports an issue). */
interface PoolValue {
  value: ConfigValue;
  canonical: string | null;
}

/** A config key of the pool. `addOnly`: the device model answers `Replace` of a missing node 404. */
export interface PoolKey {
  key: string;
  values: readonly PoolValue[];
  addOnly?: boolean;
  large?: 'chr' | 'xml';
}

const PLAIN = (value: ConfigValue, canonical: string | null): PoolValue => ({ value, canonical });

export const KEY_POOL: readonly PoolKey[] = [
  {
    key: './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera',
    values: [PLAIN(0, '0'), PLAIN(1, '1'), PLAIN('1', '1'), PLAIN({ value: 0, format: 'int' }, '0')],
  },
  { key: './Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength', values: [PLAIN(8, '8'), PLAIN('12', '12')] },
  { key: './User/Vendor/MSFT/Policy/Config/Start/HideAppList', values: [PLAIN(true, 'true'), PLAIN(false, 'false')] },
  {
    key: './Device/Vendor/MSFT/Personalization/DesktopImageUrl',
    values: [PLAIN('https://cdn.example.com/wallpaper.jpg?a=1&b=2', 'https://cdn.example.com/wallpaper.jpg?a=1&b=2')],
    large: 'chr',
  },
  {
    key: './Device/Vendor/MSFT/WiFi/Profile/Corp/WlanXml',
    values: [PLAIN({ value: '<WLANProfile><name>Corp</name></WLANProfile>', format: 'xml' }, '<WLANProfile><name>Corp</name></WLANProfile>')],
    addOnly: true,
    large: 'xml',
  },
  {
    key: './Device/Vendor/MSFT/Policy/Config/AppVirtualization/PublishingAllowServer2',
    values: [
      PLAIN('<disabled/>', '<disabled/>'),
      PLAIN(
        { state: 'enabled', data: { Publishing_Server2_Name_Prompt: 'name prompt', Global_Publishing_Refresh_Options: '1' } },
        '<enabled/><data id="Global_Publishing_Refresh_Options" value="1"/><data id="Publishing_Server2_Name_Prompt" value="name prompt"/>',
      ),
      PLAIN('  <Enabled/><Data id="B" value="2"/>\n<data id="a" value="1 &amp; 2"/>', '<enabled/><data id="a" value="1 &amp; 2"/><data id="B" value="2"/>'),
      PLAIN('<enabled/><data id="x"', null),
    ],
  },
  {
    key: `${CONTOSO_AREA}/L_PolicyConfigurationMode`,
    values: [
      PLAIN(
        { state: 'enabled', data: { L_ServerAddressInternal_VALUE: 'sip.contoso.com', L_ServerAddressExternal_VALUE: 'sip-ext.contoso.com' } },
        '<enabled/><data id="L_ServerAddressExternal_VALUE" value="sip-ext.contoso.com"/><data id="L_ServerAddressInternal_VALUE" value="sip.contoso.com"/>',
      ),
      PLAIN('<disabled/>', '<disabled/>'),
      PLAIN({ state: 'enabled', data: { L_ServerAddressInternal_VALUE: 'sip.contoso.com' } }, null),
    ],
  },
  {
    key: `${CONTOSO_AREA}/L_PolicySipCompression`,
    values: [
      PLAIN({ state: 'enabled', data: { L_PolicySipCompression: 2 } }, '<enabled/><data id="L_PolicySipCompression" value="2"/>'),
      PLAIN('<enabled/><data id="l_policysipcompression" value="03"/>', '<enabled/><data id="L_PolicySipCompression" value="3"/>'),
      PLAIN('<enabled/><data id="L_PolicySipCompression" value="7"/>', null),
    ],
  },
  {
    key: './User/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category2~Category3/L_PolicyGalDownloadInitialDelay_1',
    values: [
      PLAIN({ state: 'enabled', data: { L_GalDownloadInitialDelay_VALUE: '015' } }, '<enabled/><data id="L_GalDownloadInitialDelay_VALUE" value="15"/>'),
      PLAIN({ state: 'enabled', data: { L_GalDownloadInitialDelay_VALUE: -1 } }, null),
    ],
  },
  {
    key: './Device/Vendor/MSFT/Policy/Config/Firefox~Policy~firefox~Cookies/Cookies_Default',
    values: [PLAIN('<enabled/>', '<enabled/>'), PLAIN({ state: 'disabled' }, '<disabled/>')],
  },
  {
    key: './Device/Vendor/MSFT/Policy/Config/Firefox~Policy~firefox~Cookies/Cookies_Allow',
    values: [
      PLAIN(
        { state: 'enabled', data: { Cookies_Allow: ['https://a.example', 'https://b.example'] } },
        '<enabled/><data id="Cookies_Allow" value="https://a.example&#xF000;https://b.example"/>',
      ),
    ],
  },
];

/** Known nodes the policy never mentions: left over from earlier policies. */
const EXTRA_KEYS: readonly { key: string; kind: NodeKind }[] = [
  { key: './Device/Vendor/MSFT/Policy/Config/Browser/AllowCookies', kind: 'csp' },
  { key: './Device/Vendor/MSFT/Policy/Config/OldApp~Policy~Cat/OldPolicy', kind: 'csp' },
  { key: OLD_INSTALL, kind: 'admx-install' },
];

const SHA_A = '3b1f5c0e9d2a7b4c6e8f0a1d3c5e7b9f2a4c6e8d0b1f3a5c7e9d2b4f6a8c0e1d';
const SHA_B = '9E7C5A3F1D0B8E6C4A2F0D9B7E5C3A1F8D6B4E2C0A9F7D5B3E1C8A6F4D2B0E9C';

/** Two MSI applications (the second one's product code in lower case: the planner upper-cases it). */
export const APPS = [
  { id: 'app-a', productCode: '{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}', key: './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}/DownloadInstall' },
  { id: 'app-b', productCode: '{1d6c2f4e-5a3b-4d7c-8e9f-0a1b2c3d4e5f}', key: './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{1D6C2F4E-5A3B-4D7C-8E9F-0A1B2C3D4E5F}/DownloadInstall' },
] as const;

const VERSIONS = [
  { version: '1.0.0', sha256: SHA_A, canonical: `msi:1.0.0:${SHA_A}` },
  { version: '1.4.2.1187', sha256: SHA_B, canonical: `msi:1.4.2.1187:${SHA_B.toLowerCase()}` },
] as const;

/** Large values: a mix of everything that escapes differently (`&`, `<`, `]]>`, CR, multi-byte). */
const PIECES = ['lorem ipsum ', 'é', '😀', '&', '<', '>', ']]>', '\r\n', '\r', 'x', '\u20ac', '"'];
const largeTextArb = (kind: 'chr' | 'xml'): fc.Arbitrary<string> =>
  fc
    .array(fc.constantFrom(...PIECES), { minLength: 150, maxLength: 1800 })
    .map((pieces) => (kind === 'xml' ? `<WLANProfile><name>${pieces.join('').replaceAll('<', '[').replaceAll('&', '+')}</name></WLANProfile>` : pieces.join('')));

/** A scenario: the effective policy, the planner's options, and the two views of the device. */
export interface PlanScenario {
  resolution: ResolutionResult;
  admxFiles: AdmxFile[];
  /** The canonical value each valid config key must end up with (by normalised key). */
  canonical: Map<string, string>;
  /** What the server knows. */
  known: Map<string, KnownNode>;
  /** What the device really holds, by state key, in canonical form (MSI: its `msi:` value). */
  device: Map<string, string>;
}

/**
 * `session-start`: states a server plans from when a session begins (applied, pending, failed in
 * an earlier session), consistent with `device`. `any`: also `sent` and failures of this session,
 * for the laws that do not apply the plan.
 */
export type KnownMode = 'session-start' | 'any';

const knownNodeArb = (kind: NodeKind, values: readonly string[], mode: KnownMode): fc.Arbitrary<KnownNode> => {
  const failures: [number, NonNullable<KnownNode['lastCommand']>][] =
    kind === 'msi'
      ? [[500, 'Exec'], [500, 'Add'], [404, 'Delete'], [500, 'Delete']]
      : [[404, 'Replace'], [418, 'Add'], [500, 'Replace'], [500, 'Add'], [405, 'Replace'], [500, 'Delete']];
  const statuses: KnownNode['status'][] = mode === 'any' ? ['applied', 'applied', 'pending', 'failed', 'sent'] : ['applied', 'applied', 'pending', 'failed'];
  return fc
    .record({
      status: fc.constantFrom(...statuses),
      value: fc.constantFrom(...values),
      failure: fc.constantFrom(...failures),
      thisSession: mode === 'any' ? fc.boolean() : fc.constant(false),
    })
    .map(({ status, value, failure, thisSession }) => {
      const node: KnownNode = { kind, value, status };
      if (status === 'failed') {
        node.code = failure[0];
        node.lastCommand = failure[1];
        if (failure[1] === 'Delete') node.value = null;
      } else if (status === 'applied') {
        node.lastCommand = kind === 'msi' ? 'Exec' : 'Replace';
        node.code = 200;
      }
      if (thisSession && status !== 'pending') node.attemptedThisSession = true;
      return node;
    });
};

/** Whole scenarios; `complete` is true three times in four unless forced. */
export function planScenarioArb(mode: KnownMode, options: { complete?: boolean; large?: boolean } = {}): fc.Arbitrary<PlanScenario> {
  const configArb = fc.array(
    fc.tuple(
      fc.constantFrom(...KEY_POOL),
      fc.nat(),
      options.large === false
        ? fc.constant(undefined)
        : fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: largeTextArb('chr') }),
    ),
    { maxLength: KEY_POOL.length },
  );
  const appArb = fc.record({
    action: fc.constantFrom('required' as const, 'required' as const, 'available' as const, 'remove' as const, undefined, 'absent' as const),
    version: fc.constantFrom(0, 1, -1),
  });
  return fc
    .record({
      config: configArb,
      contoso: fc.constantFrom(CONTOSO_R1, CONTOSO_R2, undefined),
      firefox: fc.boolean(),
      dropFromCatalog: fc.constantFrom(undefined, undefined, undefined, undefined, undefined, undefined, 'AppAdmxFile01', 'FirefoxCookies'),
      apps: fc.tuple(appArb, appArb),
      complete: options.complete === undefined ? fc.constantFrom(true, true, true, false) : fc.constant(options.complete),
      knownSeeds: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
      deviceSeeds: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    })
    .chain((draft) => {
      const config: Record<string, ConfigValue> = {};
      const canonical = new Map<string, string>();
      for (const [pool, pick, large] of draft.config) {
        if (pool.key in config) continue;
        if (large !== undefined && pool.large !== undefined) {
          const text = pool.large === 'xml' ? `<WLANProfile><name>${large.replaceAll('<', '[').replaceAll('&', '+')}</name></WLANProfile>` : large;
          config[pool.key] = pool.large === 'xml' ? { value: text, format: 'xml' } : text;
          canonical.set(pool.key, text);
          continue;
        }
        const chosen = pool.values[pick % pool.values.length] as PoolValue;
        config[pool.key] = structuredClone(chosen.value);
        if (chosen.canonical !== null) canonical.set(pool.key, chosen.canonical);
      }
      const files = [draft.contoso, draft.firefox ? FIREFOX : undefined].filter((f): f is AdmxFile => f !== undefined);
      const applications: PolicyApplication[] = [];
      const applicationsInfo: ApplicationInfo[] = [];
      APPS.forEach((app, i) => {
        const { action, version } = draft.apps[i] as { action: PolicyApplication['action'] | 'absent'; version: number };
        if (action === 'absent') return;
        applications.push(action === undefined ? { winApplicationId: app.id } : { winApplicationId: app.id, action });
        const info: ApplicationInfo = { id: app.id, name: app.id, type: 'msi', productCode: app.productCode };
        const v = VERSIONS[version];
        if (v !== undefined) {
          info.version = v.version;
          info.contentUrl = `https://cdn.example.com/${app.id}-${v.version}.msi`;
          info.sha256 = v.sha256;
        }
        applicationsInfo.push(info);
      });
      const deviceWinPolicy: WinPolicy = {
        config,
        admxConfigs: files.map((f) => ({ winAdmxConfigId: f.id })),
        admxConfigsInfo: files.map((f) => ({ id: f.id, appName: f.appName, settingType: f.settingType, fileName: f.fileName })),
        applications,
        applicationsInfo,
      };
      const resolution: ResolutionResult = {
        deviceWinPolicy,
        winPolicyAssignmentsEnforced: [],
        provenance: [],
        conflicts: [],
        issues: [],
        complete: draft.complete,
      };
      const admxFiles = files.filter((f) => f.id !== draft.dropFromCatalog);

      // Known state and device content, consistent with each other.
      const stateKeys: { key: string; kind: NodeKind; values: string[]; inPolicy: boolean }[] = [
        ...KEY_POOL.map((p) => ({
          key: p.key,
          kind: 'csp' as const,
          values: [...p.values.flatMap((v) => (v.canonical === null ? [] : [v.canonical])), 'old-value'],
          inPolicy: p.key in config,
        })),
        ...EXTRA_KEYS.map((e) => ({
          key: e.key,
          kind: e.kind,
          values: e.kind === 'admx-install' ? [digestOf('<policyDefinitions/>')] : ['1'],
          inPolicy: false,
        })),
        { key: CONTOSO_INSTALL, kind: 'admx-install', values: [digestOf(CONTOSO_R1.content), digestOf(CONTOSO_R2.content)], inPolicy: draft.contoso !== undefined },
        { key: FIREFOX_INSTALL, kind: 'admx-install', values: [digestOf(FIREFOX.content)], inPolicy: draft.firefox },
        ...APPS.map((app) => ({
          key: app.key,
          kind: 'msi' as const,
          values: [...VERSIONS.map((v) => v.canonical), 'msi:remove'],
          inPolicy: applications.some((a) => a.winApplicationId === app.id),
        })),
      ];
      return fc.tuple(...stateKeys.map((s) => fc.option(knownNodeArb(s.kind, s.values, mode), { freq: 2 }))).map((knowns) => {
        const known = new Map<string, KnownNode>();
        const device = new Map<string, string>();
        stateKeys.forEach((s, i) => {
          const node = knowns[i];
          const seed = (draft.deviceSeeds[i] ?? 0) + (draft.knownSeeds[i] ?? 0);
          const other = s.kind === 'admx-install' ? digestOf(`${s.key} earlier`) : s.kind === 'msi' ? 'msi:0.9:00' : 'device-value';
          if (node !== null && node !== undefined) {
            known.set(s.key, node);
            if (node.status === 'applied' && node.value !== null) {
              if (node.value !== 'msi:remove') device.set(s.key, node.value);
              return;
            }
            if (node.status === 'failed' && node.code === 404 && node.lastCommand === 'Replace') return;
            if (node.status === 'failed' && (node.lastCommand === 'Delete' || (node.code === 418 && node.lastCommand === 'Add'))) {
              device.set(s.key, other);
              return;
            }
            if (node.status === 'sent' && node.value !== null && seed % 2 === 0 && node.value !== 'msi:remove') {
              device.set(s.key, node.value);
              return;
            }
            // Not acknowledged: the device may still hold an older value.
            if (seed % 3 === 0) device.set(s.key, other);
            return;
          }
          // Unknown: the device may hold something from before (another MDM) where the policy sets
          // the key now; elsewhere it holds nothing.
          if (s.inPolicy && seed % 3 === 0) device.set(s.key, other);
        });
        return { resolution, admxFiles, canonical, known, device };
      });
    });
}

/** `maxMsgSize`: mostly small (2–20 KiB, so that large objects happen), sometimes Windows' 512 KiB. */
export const maxMsgSizeArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 2048, max: 20_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(65_536, 524_288) },
);

// ---------------------------------------------------------------------------------------------
// The device model.

const MSI = /^(\.\/Device\/Vendor\/MSFT\/EnterpriseDesktopAppManagement\/MSI\/\{[0-9A-F-]+\})(?:\/DownloadInstall)?$/;
const ADMX_INSTALL = './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/';

function normalize(locUri: string): string {
  return locUri.startsWith('./Vendor/') ? `./Device${locUri.slice(1)}` : locUri;
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * A Windows OMA-DM client as far as the planner is concerned. Nodes hold canonical values: the data
 * of CSP nodes, the digest of an ingested ADMX file, the `msi:` value of an installed application.
 *
 * - `Add`: 418 if the node exists; 404 for a policy of an ingested ADMX file that is not installed;
 *   else creates it (200). An MSI `DownloadInstall` is created empty.
 * - `Replace`: 404 for a missing node that only `Add` creates (`addOnly` keys, ADMX ingestions) and
 *   for a policy whose ADMX file is not installed; else sets it (200).
 * - `Delete`: 404 if missing; `Delete` of `.../MSI/{ProductCode}` uninstalls.
 * - `Exec` of `DownloadInstall`: 404 before its `Add`; installs the `MsiInstallJob`'s version (202).
 * - Large objects: chunks with `MoreData` are buffered per LocURI (213); the first must carry
 *   `Meta/Size`, the last completes the object, checked against it (424 on a mismatch).
 */
export class PlanDeviceModel {
  readonly nodes: Map<string, string>;
  readonly #created = new Set<string>();
  readonly #addOnly: ReadonlySet<string>;
  readonly #buffers = new Map<string, { data: string; size: number }>();

  constructor(initial: ReadonlyMap<string, string>, addOnly: Iterable<string> = KEY_POOL.filter((k) => k.addOnly).map((k) => k.key)) {
    this.nodes = new Map(initial);
    for (const key of this.nodes.keys()) if (MSI.test(key)) this.#created.add(key);
    this.#addOnly = new Set(addOnly);
  }

  /** Applies one command and returns the status code the device answers. */
  apply(command: Command): number {
    if (command.kind === 'Get') return 200;
    if (command.kind !== 'Add' && command.kind !== 'Replace' && command.kind !== 'Delete' && command.kind !== 'Exec') return 406;
    const item = command.items[0] as Item;
    const locUri = normalize(item.target?.locURI ?? '');
    if (item.moreData === true || this.#buffers.has(locUri)) {
      const buffered = this.#buffers.get(locUri);
      if (buffered === undefined) {
        if (item.meta?.size === undefined) return 424;
        this.#buffers.set(locUri, { data: item.data ?? '', size: item.meta.size });
        return 213;
      }
      buffered.data += item.data ?? '';
      if (item.moreData === true) return 213;
      this.#buffers.delete(locUri);
      if (utf8Bytes(buffered.data) !== buffered.size) return 424;
      return this.#execute(command.kind, locUri, buffered.data);
    }
    return this.#execute(command.kind, locUri, item.data);
  }

  #execute(kind: 'Add' | 'Replace' | 'Delete' | 'Exec', locUri: string, data: string | undefined): number {
    const msi = MSI.exec(locUri);
    if (msi !== null) {
      const product = msi[1] as string;
      const node = `${product}/DownloadInstall`;
      if (kind === 'Delete') {
        if (locUri !== product || (!this.#created.has(node) && !this.nodes.has(node))) return 404;
        this.#created.delete(node);
        this.nodes.delete(node);
        return 200;
      }
      if (kind === 'Add') {
        if (this.#created.has(node)) return 418;
        this.#created.add(node);
        return 200;
      }
      if (kind === 'Exec') {
        if (!this.#created.has(node)) return 404;
        const version = /<Product Version="([^"]*)">/.exec(data ?? '')?.[1];
        const hash = /<FileHash>([0-9A-Fa-f]{64})<\/FileHash>/.exec(data ?? '')?.[1];
        if (version === undefined || hash === undefined) return 400;
        this.nodes.set(node, `msi:${version}:${hash.toLowerCase()}`);
        return 202;
      }
      return 405;
    }
    const exists = this.nodes.has(locUri);
    if (kind === 'Delete') {
      if (!exists) return 404;
      this.nodes.delete(locUri);
      return 200;
    }
    if (kind === 'Exec') return 405;
    const file = POLICY_FILE.get(locUri);
    if (file !== undefined && !this.nodes.has(file)) return 404;
    const install = locUri.startsWith(ADMX_INSTALL);
    if (kind === 'Add' && exists) return 418;
    if (kind === 'Replace' && !exists && (install || this.#addOnly.has(locUri))) return 404;
    this.nodes.set(locUri, install ? digestOf(data ?? '') : (data ?? ''));
    return 200;
  }
}

// ---------------------------------------------------------------------------------------------
// The server's bookkeeping, as the planner's contract describes it.

function success(code: number): boolean {
  return code >= 200 && code < 300;
}

/**
 * Records the device's answer to one planned command in the known state, as the server does:
 * through `nodeTransition` (a chunk other than the last is only an acknowledgement, a confirmed
 * Delete forgets its node, a refused one leaves it `not-removable`, …), except that an MSI `Add`
 * answered 2xx or 418 leaves the decision to its `Exec`. Every recorded node is marked as
 * attempted in this session.
 */
export function recordStatus(known: Map<string, KnownNode>, planned: PlannedCommand, code: number): void {
  const kind = planned.command.kind;
  if (kind !== 'Add' && kind !== 'Replace' && kind !== 'Delete' && kind !== 'Exec') return;
  const intermediate = planned.chunk !== undefined && planned.chunk.index < planned.chunk.count - 1;
  for (const node of planned.nodes) {
    if (node.op === 'get') continue;
    if (node.kind === 'msi' && kind === 'Add' && (classifyStatus(kind, code) === 'done' || code === 418)) continue;
    const before = known.get(node.locUri);
    const sent: NodeRecord = {
      status: 'sent',
      value: node.op === 'delete' ? (before?.value ?? null) : node.value,
      code: null,
      actual: null,
      tries: 0,
      retryAt: null,
      lastCommand: kind,
    };
    const op = node.op === 'delete' ? 'delete' : 'set';
    const next = nodeTransition(sent, { type: 'status', command: kind, op, value: node.value, code, intermediate, now: NOW });
    if (next === null) {
      known.delete(node.locUri);
      continue;
    }
    if (intermediate && next.status === 'sent') continue;
    const after: KnownNode = { kind: node.kind, value: next.value, status: next.status, lastCommand: kind, attemptedThisSession: true };
    if (next.code !== null) after.code = next.code;
    known.set(node.locUri, after);
  }
}

/** The time the harness's statuses arrive at (the planner gets no `now`: every retry is due). */
const NOW = '2026-01-01T00:00:00.000Z';

/** A new session: nothing is attempted in it yet. */
export function newSession(known: ReadonlyMap<string, KnownNode>): Map<string, KnownNode> {
  const next = new Map<string, KnownNode>();
  for (const [key, node] of known) {
    const { attemptedThisSession: _ignored, ...rest } = node;
    next.set(key, rest);
  }
  return next;
}

/** Every planned command in wire order, with its message index. */
export function commandsOf(messages: readonly PlannedCommand[][]): PlannedCommand[] {
  return messages.flat();
}

/**
 * What a plan does, one line per logical command (`Replace ./Device/...`), chunks counted once:
 * the form in which the laws compare plans with their expectations.
 */
export function actionsOf(messages: readonly PlannedCommand[][]): string[] {
  const out: string[] = [];
  for (const planned of commandsOf(messages)) {
    if (planned.chunk !== undefined && planned.chunk.index > 0) continue;
    const node = planned.nodes[0];
    if (node === undefined || node.op === 'get') continue;
    out.push(`${planned.command.kind} ${node.locUri}`);
  }
  return out;
}

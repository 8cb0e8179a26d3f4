/**
 * Plan throughput: `planCommands` on an effective policy of 500 and 5,000 settings at the first
 * check-in (nothing known: every value is sent), with and without serialising the messages the
 * device receives (Windows' MaxMsgSize, 512 KiB); the same policy at a later check-in where the
 * device has everything (the steady state: only comparisons); and the cost per key over a sweep
 * from 1k to 100k keys, which must stay flat (linear planning).
 *
 * The policy mixes what real tenants send: Policy CSP integers (numbers and digit strings),
 * booleans, chr strings (URLs), explicit formats, built-in ADMX-backed policies (payload strings
 * and `{ state, data }`), values of Microsoft's Contoso sample ADMX (ingested first) and two MSI
 * applications. About one setting in fifty is ADMX-backed.
 */
import { readFileSync } from 'node:fs';
import {
  planCommands,
  type AdmxFile,
  type ConfigValue,
  type KnownNode,
  type Plan,
  type PlanOptions,
  type ResolutionResult,
} from '@winmdm/policy';
import { serializeMessage, type SyncHdr } from '@winmdm/syncml';
import { median, opsPerSecond, quantile, sampleNsPerOp, type BenchModule, type BenchResult, noteSweepSpread } from './harness.js';

const CONTOSO: AdmxFile = {
  id: 'AppAdmxFile01',
  appName: 'ContosoCompanyApp',
  settingType: 'Policy',
  fileName: 'contoso.admx',
  content: readFileSync(new URL('../fixtures/admx/admx-contoso-sample-learn.admx', import.meta.url), 'utf8'),
};
const CAT1 = './Device/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category1';
const AREAS = ['Security', 'DeviceLock', 'Defender', 'Update', 'Browser', 'Experience', 'Privacy', 'Start', 'System', 'WiFi'];
const SHA = '9e7c5a3f1d0b8e6c4a2f0d9b7e5c3a1f8d6b4e2c0a9f7d5b3e1c8a6f4d2b0e9c';

function settingValue(i: number): [string, ConfigValue] {
  const area = AREAS[i % AREAS.length] as string;
  const key = `./Device/Vendor/MSFT/Policy/Config/${area}/Setting${i}`;
  switch (i % 50) {
    case 0:
      return [`./Device/Vendor/MSFT/Policy/Config/ADMX_${area}/Policy${i}`, { state: 'enabled', data: { Element_VALUE: `v${i % 7}`, Count: i % 100 } }];
    case 1:
      return [`./Device/Vendor/MSFT/Policy/Config/ADMX_${area}/Policy${i}`, '<disabled/>'];
    case 2:
      return [`./Device/Vendor/MSFT/Personalization/Image${i}Url`, `https://cdn.example.com/images/${i}.jpg?size=large&v=2`];
    case 3:
      return [key, { value: i % 4, format: 'int' }];
    default:
      return [key, i % 3 === 0 ? i % 5 : i % 3 === 1 ? String(i % 2) : i % 2 === 0];
  }
}

/** An effective policy of `settings` config keys (plus the Contoso ADMX and two MSI applications). */
export function planInput(settings: number): ResolutionResult {
  const config: Record<string, ConfigValue> = {
    [`${CAT1}/L_PolicySipCompression`]: { state: 'enabled', data: { L_PolicySipCompression: 2 } },
    [`${CAT1}/L_PolicyConfigurationMode`]:
      '<enabled/><data id="L_ServerAddressInternal_VALUE" value="sip.contoso.com"/><data id="L_ServerAddressExternal_VALUE" value="sip-ext.contoso.com"/>',
  };
  for (let i = 0, count = Object.keys(config).length; count < settings; i++, count++) {
    const [key, value] = settingValue(i);
    config[key] = value;
  }
  const apps = ['{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}', '{1D6C2F4E-5A3B-4D7C-8E9F-0A1B2C3D4E5F}'];
  return {
    deviceWinPolicy: {
      config,
      admxConfigs: [{ winAdmxConfigId: CONTOSO.id }],
      admxConfigsInfo: [{ id: CONTOSO.id, appName: CONTOSO.appName, settingType: CONTOSO.settingType, fileName: CONTOSO.fileName }],
      applications: apps.map((_, i) => ({ winApplicationId: `app-${i}`, action: 'required' as const })),
      applicationsInfo: apps.map((productCode, i) => ({
        id: `app-${i}`,
        type: 'msi',
        productCode,
        version: '1.4.2.1187',
        contentUrl: `https://cdn.example.com/apps/app-${i}.msi`,
        sha256: SHA,
      })),
    },
    winPolicyAssignmentsEnforced: [],
    provenance: [],
    conflicts: [],
    issues: [],
    complete: true,
  };
}

const OPTIONS: PlanOptions = { maxMsgSize: 524_288, admxFiles: [CONTOSO] };
const HEADER: SyncHdr = {
  verDTD: '1.2',
  verProto: 'DM/1.2',
  sessionId: '1',
  msgId: 2,
  target: { locURI: '1E08C6E95D8BB843B1278FF45BC60CC6' },
  source: { locURI: 'https://mdm.example.com/ManagementServer/MDM.svc' },
};

function serializeAll(plan: Plan): number {
  let bytes = 0;
  plan.messages.forEach((message, i) => {
    bytes += serializeMessage({ header: { ...HEADER, msgId: i + 2 }, body: message.map((c) => c.command), final: true }).length;
  });
  return bytes;
}

/** The known state after every command of a first plan succeeded. */
function converged(resolution: ResolutionResult): Map<string, KnownNode> {
  const known = new Map<string, KnownNode>();
  for (const [locUri, { kind, value }] of planCommands(resolution, { nodes: new Map() }, OPTIONS).desired) {
    known.set(locUri, { kind, value, status: 'applied', code: 200, lastCommand: 'Replace' });
  }
  return known;
}

export const planBench: BenchModule = {
  name: 'plan',
  async run({ quick }) {
    const results: BenchResult[] = [];
    const empty = { nodes: new Map<string, KnownNode>() };
    for (const settings of [500, 5_000]) {
      const input = planInput(settings);
      const samples = quick ? 6 : 20;
      const batch = Math.max(1, Math.round((quick ? 10_000 : 40_000) / settings));
      const first = planCommands(input, empty, OPTIONS);
      const wireBytes = serializeAll(first);

      const planNs = sampleNsPerOp(() => planCommands(input, empty, OPTIONS), { samples, batch });
      const plan = opsPerSecond(`plan: first check-in, ${settings} settings`, planNs);
      plan.note = `${(median(planNs) / 1000).toFixed(0)} µs/op, ${(median(planNs) / settings).toFixed(0)} ns/setting; ${first.messages.length} message(s)`;
      results.push(plan);

      const bothNs = sampleNsPerOp(() => serializeAll(planCommands(input, empty, OPTIONS)), { samples, batch });
      const both = opsPerSecond(`plan + serialise: first check-in, ${settings} settings`, bothNs);
      both.note = `${(median(bothNs) / 1000).toFixed(0)} µs/op; ${(wireBytes / 1024).toFixed(0)} KiB of SyncML in ${first.messages.length} message(s) of at most 512 KiB`;
      results.push(both);

      const known = { nodes: converged(input) };
      const steadyNs = sampleNsPerOp(() => planCommands(input, known, OPTIONS), { samples, batch });
      const steady = opsPerSecond(`plan: later check-in, nothing to send, ${settings} settings`, steadyNs);
      steady.note = `${(median(steadyNs) / 1000).toFixed(0)} µs/op`;
      results.push(steady);
    }

    const sweep: BenchResult[] = [];
    for (const keys of [1_000, 3_000, 10_000, 30_000, 100_000]) {
      const input = planInput(keys);
      const batch = Math.max(1, Math.round((quick ? 50_000 : 150_000) / keys));
      const perOp = sampleNsPerOp(() => planCommands(input, empty, OPTIONS), { samples: quick ? 5 : 12, batch });
      const perKey = perOp.map((v) => v / keys);
      sweep.push({ name: `plan sweep: ${keys} keys, first check-in`, unit: 'ns/key', median: median(perKey), p99: quantile(perKey, 0.99), n: perKey.length });
    }
    results.push(...noteSweepSpread(sweep));
    return results;
  },
};

import { admxInstallUri, AdmxError } from '@winmdm/admx';
import type { EnforcedAssignment } from '../EnforcedAssignmentSchema.js';
import type { PolicyField, SourceRef, SourcedValue } from '../ResolutionResult.js';
import type { WinPolicy } from '../WinPolicySchema.js';
import { compareCodeUnits } from '../compareCodeUnits.js';
import { codeMeaning } from '../delivery/codeMeaning.js';
import type { NodeKind } from '../plan/Plan.js';
import { deepEqual } from '../canonicalize.js';
import { msiLocUris } from '../plan/msiLocUris.js';
import type {
  BeatenValue,
  ExplainedConflict,
  ExplainedLayer,
  ExplainedSetting,
  ExplainedSource,
  ExplainedStatus,
  ExplainInput,
  Explanation,
  NodeStatusInput,
} from './Explanation.js';
import { nodeStatusMeaning } from './nodeStatusMeaning.js';
import { shortenKey } from './shortenKey.js';
import { valueText } from './valueText.js';

const AGENT_FIELDS: ReadonlySet<PolicyField> = new Set(['scripts', 'bookmarks', 'assets', 'agentConfiguration']);
/** The order rows are shown in: what goes to the device over SyncML first, agent-only fields last. */
const FIELD_ORDER: ReadonlyMap<PolicyField, number> = new Map<PolicyField, number>(
  (['config', 'admxConfigs', 'applications', 'scripts', 'bookmarks', 'assets', 'agentConfiguration'] as const).map((f, i) => [f, i]),
);

/** Reads the names the explanation shows: policies by id, enforced rules (and their reasons) by rule id. */
class Names {
  readonly #policies = new Map<string, WinPolicy>();
  readonly #rules = new Map<string, EnforcedAssignment['automationRule']>();

  constructor(policies: readonly WinPolicy[], enforced: readonly EnforcedAssignment[]) {
    for (const p of policies) if (p.id !== undefined && !this.#policies.has(p.id)) this.#policies.set(p.id, p);
    for (const e of enforced) if (!this.#rules.has(e.automationRule.id)) this.#rules.set(e.automationRule.id, e.automationRule);
  }

  has(winPolicyId: string): boolean {
    return this.#policies.has(winPolicyId);
  }

  source(ref: SourceRef): ExplainedSource {
    const out: ExplainedSource = { layer: ref.layer, label: '' };
    if (ref.winPolicyId !== undefined) out.winPolicyId = ref.winPolicyId;
    const name = ref.winPolicyId === undefined ? undefined : this.#policies.get(ref.winPolicyId)?.name;
    if (name !== undefined) out.policyName = name;
    if (ref.priority !== undefined) out.priority = ref.priority;
    const rule = ref.automationRuleId === undefined ? undefined : this.#rules.get(ref.automationRuleId);
    if (ref.automationRuleId !== undefined) out.automationRuleId = ref.automationRuleId;
    if (rule !== undefined) {
      out.automationRuleName = rule.name;
      out.reasons = [...new Set(rule.deviceAudiences.flatMap((a) => a.reasons))];
    }
    const policy = name !== undefined ? JSON.stringify(name) : (ref.winPolicyId ?? '');
    switch (ref.layer) {
      case 'base':
        out.label = `base ${policy}`;
        break;
      case 'assignment':
        out.label = `assignment p${ref.priority ?? '?'} ${policy}`;
        break;
      case 'device':
        out.label = 'device override';
        break;
      case 'enforced': {
        const by = rule !== undefined ? `rule ${JSON.stringify(rule.name)}` : `rule ${ref.automationRuleId ?? '?'}`;
        const why = out.reasons !== undefined && out.reasons.length > 0 ? ` (${out.reasons.join(', ')})` : '';
        out.label = `enforced ${policy} by ${by}${why}`;
        break;
      }
    }
    return out;
  }
}

function beaten(names: Names, field: PolicyField, sourced: SourcedValue, effective: unknown): BeatenValue {
  return {
    source: names.source(sourced.source),
    value: sourced.value,
    valueText: valueText(field, sourced.value),
    same: deepEqual(sourced.value, effective),
  };
}

function status(node: NodeStatusInput): ExplainedStatus {
  const out: ExplainedStatus = {
    locUri: node.locUri,
    status: node.status,
    statusMeaning: nodeStatusMeaning(node.status),
    history: [...(node.history ?? [])],
  };
  if (typeof node.code === 'number') {
    out.code = node.code;
    out.codeMeaning = codeMeaning(node.code, node.kind as NodeKind | undefined);
  }
  if (node.updatedAt !== undefined) out.updatedAt = node.updatedAt;
  return out;
}

/**
 * The layers of the device's resolution, lowest precedence first. A policy referenced at several
 * places counts at its highest one (enforced, then the assignment with the lowest priority number):
 * the others are listed with `countedAt`, so the page shows every reference the admin made.
 */
function layers(input: ExplainInput, names: Names): ExplainedLayer[] {
  const { device, resolution } = input;
  const base = device.winPolicyId ?? device.winPolicy?.id;
  const assignments = [...(device.winPolicyAssignments ?? [])].sort(
    (a, b) => a.priority - b.priority || compareCodeUnits(a.winPolicyId, b.winPolicyId),
  );
  const enforced = resolution.winPolicyAssignmentsEnforced;
  // Where each policy counts, highest precedence first: enforced (sorted), then assignments (sorted).
  const counted = new Map<string, string>();
  const count = (ref: SourceRef): void => {
    if (ref.winPolicyId !== undefined && !counted.has(ref.winPolicyId)) counted.set(ref.winPolicyId, names.source(ref).label);
  };
  for (const e of enforced) count({ layer: 'enforced', winPolicyId: e.winPolicyId, priority: e.priority, automationRuleId: e.automationRule.id });
  for (const a of assignments) count({ layer: 'assignment', winPolicyId: a.winPolicyId, priority: a.priority });

  const out: ExplainedLayer[] = [];
  const add = (ref: SourceRef, extra: Partial<ExplainedLayer> = {}): void => {
    const source = names.source(ref);
    const layer: ExplainedLayer = { source, missing: ref.winPolicyId !== undefined && !names.has(ref.winPolicyId), ...extra };
    const at = ref.winPolicyId === undefined ? undefined : counted.get(ref.winPolicyId);
    if (at !== undefined && at !== source.label) layer.countedAt = at;
    out.push(layer);
  };
  if (base !== undefined) add({ layer: 'base', winPolicyId: base });
  // Lowest precedence first: the highest priority number first.
  for (const a of [...assignments].reverse()) add({ layer: 'assignment', winPolicyId: a.winPolicyId, priority: a.priority });
  if (device.config !== undefined && Object.keys(device.config).length > 0) add({ layer: 'device' });
  for (const e of [...enforced].reverse()) {
    add(
      { layer: 'enforced', winPolicyId: e.winPolicyId, priority: e.priority, automationRuleId: e.automationRule.id },
      { audiences: e.automationRule.deviceAudiences.map((a) => ({ id: a.id, name: a.name, reasons: [...a.reasons] })) },
    );
  }
  return out;
}

/**
 * The state key (LocURI) a setting is delivered as, or undefined when it is not SyncML: config
 * keys are their own node; an application its MSI `DownloadInstall` node; an ADMX file its
 * ingestion node (as the planner names them).
 */
function locUriOf(input: ExplainInput, field: PolicyField, key: string): string | undefined {
  const policy = input.resolution.deviceWinPolicy;
  if (field === 'config') return key;
  if (field === 'applications') {
    const code = policy.applicationsInfo?.find((i) => i.id === key)?.productCode;
    return code === undefined ? undefined : msiLocUris(code)?.downloadInstall;
  }
  if (field === 'admxConfigs') {
    const info = policy.admxConfigsInfo?.find((i) => i.id === key);
    if (info?.appName === undefined || (info.settingType !== 'Policy' && info.settingType !== 'Preference')) return undefined;
    try {
      return admxInstallUri(info.appName, info.settingType, key);
    } catch (error) {
      if (error instanceof AdmxError) return undefined;
      throw error;
    }
  }
  return undefined;
}

/**
 * Names an application or ADMX file row after its catalog entry (the resolution's `*Info`): the
 * application's name and the version chosen, the ADMX file's name.
 */
function labelCatalogEntry(input: ExplainInput, row: ExplainedSetting): void {
  const policy = input.resolution.deviceWinPolicy;
  if (row.field === 'applications') {
    const info = policy.applicationsInfo?.find((i) => i.id === row.key);
    if (info?.name !== undefined) row.shortKey = `app ${info.name}`;
    if (info?.version !== undefined) row.valueText = `${row.valueText} → ${info.version}`;
  } else if (row.field === 'admxConfigs') {
    const info = policy.admxConfigsInfo?.find((i) => i.id === row.key);
    if (info?.fileName !== undefined) row.shortKey = `admx ${info.fileName}`;
    row.valueText = [info?.appName, info?.settingType].filter((x) => x !== undefined).join(' ') || row.valueText;
  }
}

/**
 * Why a device's effective policy is what it is, for people: one row per effective setting with
 * its shortened key, its value, the source that set it (layer, policy, priority, enforcing rule
 * and the criteria that matched) and every value it beat, the device's status of the node it is
 * delivered as (with the status code's meaning and the history, when the server knows them), the
 * layers, the conflicts and the issues. Pure: the CLI (`winmdm explain`) and the console render it.
 *
 * @example
 * ```ts
 * const resolution = resolveEffectivePolicy(input);
 * const explanation = explainResolution({ device: input.device, policies: input.policies, resolution, nodes });
 * explanation.settings[0]; // { shortKey: 'DeviceLock/MinDevicePasswordLength', valueText: '12', source: { label: 'assignment p1 "Strict passwords"', … }, beat: [ … ], status: { status: 'applied', … } }
 * ```
 */
export function explainResolution(input: ExplainInput): Explanation {
  const { resolution } = input;
  const names = new Names(input.policies, resolution.winPolicyAssignmentsEnforced);
  const nodes = new Map((input.nodes ?? []).map((n) => [n.locUri, n]));
  const used = new Set<string>();

  const conflictKinds = new Map<string, 'overridden' | 'ambiguous-priority'>();
  for (const c of resolution.conflicts) {
    const id = `${c.field}\u0000${c.key}`;
    if (c.kind === 'ambiguous-priority' || !conflictKinds.has(id)) conflictKinds.set(id, c.kind);
  }

  const statusCounts: Record<string, number> = {};
  const ordered = resolution.provenance
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => (FIELD_ORDER.get(a.entry.field) ?? 0) - (FIELD_ORDER.get(b.entry.field) ?? 0) || a.index - b.index)
    .map((e) => e.entry);
  const settings = ordered.map((entry): ExplainedSetting => {
    const row: ExplainedSetting = {
      field: entry.field,
      key: entry.key,
      shortKey: shortenKey(entry.field, entry.key),
      value: entry.value,
      valueText: valueText(entry.field, entry.value),
      source: names.source(entry.source),
      beat: entry.overridden.map((o) => beaten(names, entry.field, o, entry.value)),
      delivery: AGENT_FIELDS.has(entry.field) ? 'agent' : 'syncml',
    };
    labelCatalogEntry(input, row);
    const kind = conflictKinds.get(`${entry.field}\u0000${entry.key}`);
    if (kind !== undefined) row.conflict = kind;
    if (entry.field === 'applications' && (entry.value as { action?: unknown } | null)?.action === 'available') row.delivery = 'self-service';
    if (row.delivery === 'syncml') {
      const locUri = locUriOf(input, entry.field, entry.key);
      const node = locUri === undefined ? undefined : nodes.get(locUri);
      if (node !== undefined) {
        row.status = status(node);
        used.add(node.locUri);
      }
      const word = row.status?.status ?? 'unknown';
      statusCounts[word] = (statusCounts[word] ?? 0) + 1;
    }
    return row;
  });

  const conflicts = resolution.conflicts.map(
    (c): ExplainedConflict => ({
      field: c.field,
      key: c.key,
      shortKey: shortenKey(c.field, c.key),
      kind: c.kind,
      winner: beaten(names, c.field, c.winner, c.winner.value),
      loser: beaten(names, c.field, c.loser, c.winner.value),
    }),
  );

  const { device } = input;
  return {
    device: {
      id: device.id,
      ...(typeof device.winId === 'string' ? { winId: device.winId } : {}),
      ...(typeof device.displayName === 'string' ? { displayName: device.displayName } : {}),
    },
    complete: resolution.complete,
    layers: layers(input, names),
    settings,
    conflicts,
    issues: resolution.issues.map((i) => ({ ...i, path: [...i.path] })),
    otherNodes: [...nodes.values()]
      .filter((n) => !used.has(n.locUri))
      .sort((a, b) => compareCodeUnits(a.locUri, b.locUri))
      .map(status),
    statusCounts,
  };
}

import type { AdmxFile } from './AdmxFileSchema.js';
import type { Application, ApplicationVersion } from './ApplicationSchema.js';
import type { Config } from './ConfigValueSchema.js';
import type { EnforcedAssignment, MatchedAudience } from './EnforcedAssignmentSchema.js';
import { InvalidVersionRangeError } from './PolicyError.js';
import type { ResolutionCache } from './ResolutionCache.js';
import type { PolicyApplication } from './PolicyApplicationSchema.js';
import type {
  Conflict,
  Layer,
  PolicyField,
  ProvenanceEntry,
  ResolutionIssue,
  ResolutionResult,
  ResolveInput,
  ResolveOptions,
  SourceRef,
  SourcedValue,
} from './ResolutionResult.js';
import type { WinPolicy } from './WinPolicySchema.js';
import { canonicalize, canonicalJson, deepEqual, setOwn } from './canonicalize.js';
import { compareCodeUnits } from './compareCodeUnits.js';
import { compareIssues } from './compareIssues.js';
import { evaluateAutomationRules } from './evaluateAutomationRules.js';
import { parseWindowsVersion } from './parseWindowsVersion.js';
import { prepareConfig } from './prepareConfig.js';
import { selectApplicationVersion } from './selectApplicationVersion.js';
import { sortEnforced } from './sortEnforced.js';

type Path = (string | number)[];

const BASE = 0;
const ASSIGNMENT = 1;
const DEVICE = 2;
const ENFORCED = 3;
const LAYER_NAMES: readonly Layer[] = ['base', 'assignment', 'device', 'enforced'];

/** The list fields of a policy, merged per entry key. */
type ListField = 'admxConfigs' | 'applications' | 'assets' | 'bookmarks' | 'scripts';

/** Fields of the output that are merged or derived rather than copied from the base policy. */
const COMPUTED_FIELDS: ReadonlySet<string> = new Set([
  'config',
  'applications',
  'applicationsInfo',
  'scripts',
  'scriptsInfo',
  'bookmarks',
  'assets',
  'assetsInfo',
  'admxConfigs',
  'admxConfigsInfo',
  'agentConfiguration',
]);

/** Where a policy counts: its layer, its priority there, and the rule that enforced it. */
interface Place {
  layer: typeof BASE | typeof ASSIGNMENT | typeof ENFORCED;
  priority: number;
  ruleId: string | undefined;
  /** Where the reference is in the input, for a `policy-not-found` issue. */
  path: Path;
}

/** One layer entry in the merge: a policy at its place, or the device's own config. */
interface Source {
  layer: number;
  priority: number;
  id: string;
  ref: SourceRef;
  policy: WinPolicy | undefined;
  config: Config | undefined;
  /** Where the source's data is in the input, for issues about its content. */
  path: Path;
}

/**
 * Everything one field's merge saw, as linked records: a record is (source, value); each key's slot
 * points at its last record (the winner, since sources are merged lowest precedence first) and each
 * record at the previous record of its key. Flat arrays rather than an object per key keep the
 * allocation count, and so the garbage collector, out of the per-key cost.
 */
class MergeTable {
  readonly slots = new Map<string, number>();
  readonly last: number[] = [];
  /** How many records each slot has. */
  readonly count: number[] = [];
  recordSource: Int32Array;
  recordPrevious: Int32Array;
  readonly recordValue: unknown[];
  size = 0;

  /** `capacity` is a hint: the expected number of records, so that the arrays rarely grow. */
  constructor(capacity = 16) {
    this.recordSource = new Int32Array(capacity);
    this.recordPrevious = new Int32Array(capacity);
    this.recordValue = new Array(capacity);
  }

  /** Adds a value for `key` from source `source`; returns the slot's previous last record (-1 if new). */
  add(key: string, source: number, value: unknown): number {
    const record = this.size++;
    if (record === this.recordSource.length) this.grow();
    this.recordSource[record] = source;
    this.recordValue[record] = value;
    const slot = this.slots.get(key);
    if (slot === undefined) {
      this.slots.set(key, this.last.length);
      this.last.push(record);
      this.count.push(1);
      this.recordPrevious[record] = -1;
      return -1;
    }
    const previous = this.last[slot] as number;
    this.recordPrevious[record] = previous;
    this.last[slot] = record;
    (this.count[slot] as number)++;
    return previous;
  }

  /** Drops the last record of `key` (it stays in the arrays, unreachable): `previous` is last again. */
  dropLast(key: string, previous: number): void {
    const slot = this.slots.get(key) as number;
    this.last[slot] = previous;
    (this.count[slot] as number)--;
  }

  /** Drops record `previous`, the one just below the last record of `key`, from the key's chain. */
  dropPrevious(key: string, previous: number): void {
    const slot = this.slots.get(key) as number;
    this.recordPrevious[this.last[slot] as number] = this.recordPrevious[previous] as number;
    (this.count[slot] as number)--;
  }

  private grow(): void {
    const source = new Int32Array(this.recordSource.length * 2);
    source.set(this.recordSource);
    this.recordSource = source;
    const previous = new Int32Array(this.recordPrevious.length * 2);
    previous.set(this.recordPrevious);
    this.recordPrevious = previous;
  }
}

/** Whether place `a` takes precedence over place `b`. */
function isHigher(a: Place, b: Place): boolean {
  if (a.layer !== b.layer) return a.layer > b.layer;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.ruleId !== undefined && b.ruleId !== undefined && a.ruleId < b.ruleId;
}

/** Orders sources lowest precedence first: layer, then a higher priority number, then a larger id. */
function compareSources(a: Source, b: Source): number {
  if (a.layer !== b.layer) return a.layer - b.layer;
  if (a.priority !== b.priority) return a.priority > b.priority ? -1 : 1;
  return compareCodeUnits(b.id, a.id);
}

function valuesEqual(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && deepEqual(a, b));
}

/**
 * Indexes documents by id. Several different documents with one id are an issue (`duplicate-id`);
 * the greatest in canonical JSON order is used, so that the choice never depends on input order.
 */
function indexById<T extends { readonly id?: string | undefined }>(
  items: readonly T[],
  collection: string,
  issues: ResolutionIssue[],
): Map<string, T> {
  const byId = new Map<string, T>();
  let duplicated: Set<string> | undefined;
  for (const item of items) {
    const id = item.id;
    if (id === undefined) {
      issues.push({
        code: 'missing-id',
        path: [collection],
        message: `A document of ${collection} has no id and cannot be referenced`,
      });
      continue;
    }
    const previous = byId.get(id);
    if (previous === undefined) byId.set(id, item);
    else if (previous !== item) (duplicated ??= new Set()).add(id);
  }
  if (duplicated !== undefined) {
    for (const id of duplicated) {
      const variants = new Map<string, T>();
      for (const item of items) if (item.id === id) variants.set(canonicalJson(item), item);
      if (variants.size < 2) continue;
      const greatest = [...variants.keys()].sort().at(-1) as string;
      byId.set(id, variants.get(greatest) as T);
      issues.push({
        code: 'duplicate-id',
        path: [collection, id],
        message: `${variants.size} different documents of ${collection} have id "${id}"; the greatest in canonical JSON order is used`,
      });
    }
  }
  return byId;
}

/** The device's stored enforced assignments, in canonical form and order (audiences sorted by id). */
function normaliseStoredEnforced(stored: readonly EnforcedAssignment[]): EnforcedAssignment[] {
  return sortEnforced(
    stored.map((entry) => {
      const copy = canonicalize(entry);
      copy.automationRule.deviceAudiences.sort(
        (a: MatchedAudience, b: MatchedAudience) =>
          compareCodeUnits(a.id, b.id) || compareCodeUnits(canonicalJson(a), canonicalJson(b)),
      );
      return copy;
    }),
  );
}

/** Finds each referenced policy's place: the highest-precedence place it appears at. */
function placePolicies(
  input: ResolveInput,
  enforced: readonly EnforcedAssignment[],
): { places: Map<string, Place>; baseId: string | undefined } {
  const { device } = input;
  const places = new Map<string, Place>();
  const offer = (id: string, place: Place): void => {
    const current = places.get(id);
    if (current === undefined || isHigher(place, current)) places.set(id, place);
  };
  const baseId = device.winPolicyId ?? device.winPolicy?.id;
  if (baseId !== undefined) {
    const path = device.winPolicyId !== undefined ? ['device', 'winPolicyId'] : ['device', 'winPolicy', 'id'];
    offer(baseId, { layer: BASE, priority: 0, ruleId: undefined, path });
  }
  for (const a of device.winPolicyAssignments ?? []) {
    offer(a.winPolicyId, {
      layer: ASSIGNMENT,
      priority: a.priority,
      ruleId: undefined,
      path: ['device', 'winPolicyAssignments', a.winPolicyId],
    });
  }
  const fromRules = input.automationRules !== undefined;
  for (const e of enforced) {
    offer(e.winPolicyId, {
      layer: ENFORCED,
      priority: e.priority,
      ruleId: e.automationRule.id,
      path: fromRules
        ? ['automationRules', e.automationRule.id, 'winPolicyId']
        : ['device', 'winPolicyAssignmentsEnforced', e.winPolicyId],
    });
  }
  return { places, baseId };
}

function sourceRef(id: string, place: Place): SourceRef {
  if (place.layer === BASE) return { layer: 'base', winPolicyId: id };
  if (place.layer === ASSIGNMENT) return { layer: 'assignment', winPolicyId: id, priority: place.priority };
  const ref: SourceRef = { layer: 'enforced', winPolicyId: id, priority: place.priority };
  if (place.ruleId !== undefined) ref.automationRuleId = place.ruleId;
  return ref;
}

/** Merges `config` across sources, by normalised key. */
function mergeConfig(sources: readonly Source[], issues: ResolutionIssue[]): MergeTable {
  const prepared = sources.map((source) => (source.config === undefined ? undefined : prepareConfig(source.config)));
  const table = new MergeTable(prepared.reduce((n, p) => n + (p?.keys.length ?? 0), 0) || 1);
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i] as Source;
    const config = prepared[i];
    if (config === undefined) continue;
    const { keys, values, duplicates } = config;
    for (let k = 0; k < keys.length; k++) table.add(keys[k] as string, i, values[k]);
    for (const { raw, key } of duplicates) {
      issues.push({
        code: 'duplicate-key',
        path: [...source.path, 'config', raw],
        message: `Config key "${raw}" normalises to "${key}" like another key of the same source; the greatest raw key in code-unit order wins`,
      });
    }
  }
  return table;
}

/** Merges one list field across sources, by the key field of its entries. */
function mergeList(
  sources: readonly Source[],
  field: ListField,
  keyField: string,
  issues: ResolutionIssue[],
): MergeTable {
  const table = new MergeTable();
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i] as Source;
    const list = source.policy?.[field] as readonly Record<string, unknown>[] | undefined;
    if (list === undefined) continue;
    for (const entry of list) {
      const key = entry[keyField];
      if (typeof key !== 'string') continue;
      const value = canonicalize(entry);
      const previous = table.add(key, i, value);
      if (previous === -1 || table.recordSource[previous] !== i) continue;
      // Two entries of one policy share a key: keep the greater in canonical JSON order.
      issues.push({
        code: 'duplicate-key',
        path: [...source.path, field, key],
        message: `More than one entry of ${field} has ${keyField} "${key}" in the same policy; the greatest in canonical JSON order is used`,
      });
      if (JSON.stringify(value) > JSON.stringify(table.recordValue[previous])) table.dropPrevious(key, previous);
      else table.dropLast(key, previous);
    }
  }
  return table;
}

/** Merges `agentConfiguration` per field. */
function mergeAgentConfiguration(sources: readonly Source[]): MergeTable {
  const table = new MergeTable();
  for (let i = 0; i < sources.length; i++) {
    const agent = (sources[i] as Source).policy?.agentConfiguration as Record<string, unknown> | undefined;
    if (agent === undefined) continue;
    for (const key of Object.keys(agent)) {
      const value = canonicalize(agent[key]);
      if (value !== undefined) table.add(key, i, value);
    }
  }
  return table;
}

/** The effective entries of one field: keys in code-unit order, their values and winning sources. */
interface Emitted {
  keys: string[];
  values: unknown[];
  winners: Source[];
}

/**
 * Turns the slots of one field into provenance and conflicts, and returns the effective keys in
 * code-unit order with their winning values and sources.
 */
function emit(
  field: PolicyField,
  table: MergeTable,
  sources: readonly Source[],
  provenance: ProvenanceEntry[],
  conflicts: Conflict[],
): Emitted {
  const keys = [...table.slots.keys()].sort();
  const values: unknown[] = new Array(keys.length);
  const winners: Source[] = new Array(keys.length);
  const { last, count, recordSource, recordValue, recordPrevious } = table;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] as string;
    const slot = table.slots.get(key) as number;
    const top = last[slot] as number;
    const winner = sources[recordSource[top] as number] as Source;
    const value = recordValue[top];
    // Sized up front: growing by push would leave garbage behind for every key.
    const overridden: SourcedValue[] = new Array((count[slot] as number) - 1);
    let winning: SourcedValue | undefined;
    let o = 0;
    for (let r = recordPrevious[top] as number; r !== -1; r = recordPrevious[r] as number) {
      const loser = sources[recordSource[r] as number] as Source;
      const lost: SourcedValue = { source: loser.ref, value: recordValue[r] };
      overridden[o++] = lost;
      if (valuesEqual(lost.value, value)) continue;
      winning ??= { source: winner.ref, value };
      conflicts.push({
        field,
        key,
        kind: loser.layer === winner.layer && loser.priority === winner.priority ? 'ambiguous-priority' : 'overridden',
        winner: winning,
        loser: lost,
      });
    }
    provenance.push({ field, key, source: winner.ref, value, overridden });
    values[k] = value;
    winners[k] = winner;
  }
  return { keys, values, winners };
}

function toObject(keys: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) setOwn(out, keys[i] as string, values[i]);
  return out;
}

/** The `*Info` entries of the policies that contribute at least one effective entry, deduplicated and sorted. */
function passThroughInfo(winners: readonly Source[], field: 'scriptsInfo' | 'assetsInfo'): unknown[] {
  const byJson = new Map<string, unknown>();
  for (const source of new Set(winners)) {
    for (const info of source.policy?.[field] ?? []) {
      const value = canonicalize(info);
      byJson.set(JSON.stringify(value), value);
    }
  }
  return [...byJson.keys()].sort().map((json) => byJson.get(json));
}

function applicationInfo(
  key: string,
  entry: PolicyApplication,
  path: Path,
  catalog: Map<string, Application>,
  issues: ResolutionIssue[],
): Record<string, unknown> | undefined {
  const app = catalog.get(key);
  if (app === undefined) {
    issues.push({
      code: 'application-not-found',
      path,
      message: `Application "${key}" is not in the application catalog`,
    });
    return undefined;
  }
  const valid: ApplicationVersion[] = [];
  for (const v of app.versions) {
    if (parseWindowsVersion(v.version) !== undefined) valid.push(v);
    else {
      issues.push({
        code: 'invalid-version',
        path: ['applications', app.id, 'versions', v.version],
        message: `Catalog version "${v.version}" of application "${app.id}" is not a Windows version; it is never chosen`,
      });
    }
  }
  const info: Record<string, unknown> = { id: app.id, name: app.name, productCode: app.productCode, type: app.type };
  const range = entry.updatePolicy?.allowedVersions;
  let chosen: ApplicationVersion | undefined;
  try {
    chosen = selectApplicationVersion(valid, range);
    if (chosen === undefined) {
      issues.push({
        code: 'no-allowed-version',
        path: [...path, 'updatePolicy', 'allowedVersions'],
        message:
          range === undefined
            ? `Application "${key}" has no valid version in the catalog`
            : `No catalog version of application "${key}" satisfies "${range}"`,
      });
    }
  } catch (err) {
    if (!(err instanceof InvalidVersionRangeError)) throw err;
    issues.push({ code: 'invalid-version-range', path: [...path, 'updatePolicy', 'allowedVersions'], message: err.message });
  }
  if (chosen !== undefined) {
    if (chosen.commandLine !== undefined) info['commandLine'] = chosen.commandLine;
    info['contentUrl'] = chosen.contentUrl;
    info['sha256'] = chosen.sha256;
    info['version'] = chosen.version;
  }
  return canonicalize(info);
}

/**
 * Computes a device's effective Windows policy from its layers, with the source of every value, the
 * conflicts between sources and the problems found in the input.
 *
 * Layers, lowest precedence first: the base policy (`device.winPolicyId`, else `device.winPolicy.id`);
 * `winPolicyAssignments` (a lower `priority` number wins; at equal priority the smaller
 * `winPolicyId`, reported as an `ambiguous-priority` conflict where they disagree); the device's own
 * `config`; the enforced assignments (ordered like assignments), computed from `automationRules`
 * when given, else the device's stored `winPolicyAssignmentsEnforced`. A policy referenced in several
 * places counts once, at its highest-precedence place.
 *
 * Merge: `config` per normalised OMA-URI key; `applications`, `scripts`, `bookmarks`, `assets`,
 * `admxConfigs` per entry key, the whole entry from the highest layer; `agentConfiguration` per
 * field. Identity and metadata come from the base policy document; `applicationsInfo` and
 * `admxConfigsInfo` are derived from the catalogs (choosing application versions with
 * `updatePolicy.allowedVersions`); `scriptsInfo` and `assetsInfo` pass through from the policies
 * that contribute scripts and assets.
 *
 * The result is canonical: lists sorted by key, every object's keys in code-unit order, so the same
 * input gives byte-identical JSON whatever the order of its arrays and objects. Nothing is thrown for
 * bad data; it is reported in `issues`, and anything missing sets `complete: false`.
 *
 * The preparation of each `config` object (key normalisation, canonical values) is memoised by
 * object identity, so input documents must be treated as immutable: replace a `config` object to
 * change it, do not edit it in place.
 *
 * With `options.cache` (a {@link ResolutionCache}), devices that have the same policies at the same
 * places share the merge of those policies; the result is the same, and read-only.
 *
 * @example
 * ```ts
 * const result = resolveEffectivePolicy({ device, policies, automationRules, applications, admxFiles });
 * result.deviceWinPolicy.config;   // effective CSP values by normalised OMA-URI
 * result.provenance;               // which layer and policy set each value, and what it beat
 * if (!result.complete) { ... }    // something referenced is missing: do not remove anything
 *
 * const cache = new ResolutionCache();  // one per process, for a whole fleet
 * for (const device of devices) resolveEffectivePolicy({ device, policies, automationRules }, { cache });
 * ```
 */
export function resolveEffectivePolicy(input: ResolveInput, options: ResolveOptions = {}): ResolutionResult {
  const { device } = input;
  const issues: ResolutionIssue[] = [];
  let complete = true;

  const policies = indexById(input.policies, 'policies', issues);
  const applicationCatalog = indexById(input.applications ?? [], 'applications', issues);
  const admxCatalog = indexById<AdmxFile>(input.admxFiles ?? [], 'admxFiles', issues);

  let enforced: EnforcedAssignment[];
  if (input.automationRules !== undefined) {
    const evaluated = evaluateAutomationRules(device, input.automationRules);
    enforced = evaluated.assignments;
    issues.push(...evaluated.issues);
  } else {
    enforced = normaliseStoredEnforced(device.winPolicyAssignmentsEnforced ?? []);
  }

  const { places, baseId } = placePolicies(input, enforced);
  const sources: Source[] = [];
  for (const [id, place] of places) {
    const policy = policies.get(id);
    if (policy === undefined) {
      complete = false;
      issues.push({
        code: 'policy-not-found',
        path: place.path,
        message: `Policy "${id}" (${LAYER_NAMES[place.layer]}) is not among the policies given`,
      });
      continue;
    }
    sources.push({
      layer: place.layer,
      priority: place.priority,
      id,
      ref: sourceRef(id, place),
      policy,
      config: policy.config,
      path: ['policies', id],
    });
  }
  // Identity and metadata come from the base policy document, wherever it counts as a layer.
  const base = baseId === undefined ? undefined : policies.get(baseId);
  const catalogs: Catalogs = { applications: applicationCatalog, admxFiles: admxCatalog };

  sources.sort(compareSources);
  let stack = options.cache === undefined ? undefined : sharedStack(options.cache, sources, base, catalogs);
  if (stack === undefined) {
    if (device.config !== undefined) {
      // The device's own layer sits between the assignments and the enforced policies.
      const at = sources.findIndex((source) => source.layer === ENFORCED);
      sources.splice(at === -1 ? sources.length : at, 0, deviceSource(device.config));
    }
    stack = mergeStack(sources, base, catalogs);
  } else if (device.config !== undefined) {
    stack = withDeviceConfig(stack, device.config);
  }

  const allIssues = stack.issues.length === 0 ? issues : [...issues, ...stack.issues];
  allIssues.sort(compareIssues);
  return {
    deviceWinPolicy: stack.deviceWinPolicy,
    winPolicyAssignmentsEnforced: enforced,
    provenance: stack.provenance,
    conflicts: stack.conflicts,
    issues: allIssues,
    complete: complete && stack.complete,
  };
}

/** The catalogs of one resolution, indexed by id. */
interface Catalogs {
  applications: Map<string, Application>;
  admxFiles: Map<string, AdmxFile>;
}

/**
 * What a stack of sources merges to, whoever the device is: the effective policy, provenance and
 * conflicts, and the issues and completeness of what the sources reference. `config*` locate the
 * `config` field's entries, which the device's own layer changes.
 */
interface Stack {
  deviceWinPolicy: WinPolicy;
  provenance: ProvenanceEntry[];
  conflicts: Conflict[];
  issues: ResolutionIssue[];
  complete: boolean;
  /** `provenance[configStart, configEnd)` are the `config` entries, in key order. */
  configStart: number;
  configEnd: number;
  /** `conflicts[conflictsStart, conflictsEnd)` are the `config` conflicts, in key order. */
  conflictsStart: number;
  conflictsEnd: number;
}

const DEVICE_REF: SourceRef = { layer: 'device' };

function deviceSource(config: Config): Source {
  return { layer: DEVICE, priority: 0, id: '', ref: DEVICE_REF, policy: undefined, config, path: ['device'] };
}

/**
 * Merges `sources` (sorted, lowest precedence first) field by field, derives the catalog entries,
 * and copies identity and metadata from the `base` policy document.
 */
function mergeStack(sources: readonly Source[], base: WinPolicy | undefined, catalogs: Catalogs): Stack {
  const issues: ResolutionIssue[] = [];
  let complete = true;
  const provenance: ProvenanceEntry[] = [];
  const conflicts: Conflict[] = [];
  // Fields are emitted in code-unit order of their names, so provenance and conflicts come out
  // sorted by field and key without a global sort.
  const merged = (field: PolicyField, table: MergeTable): Emitted => emit(field, table, sources, provenance, conflicts);
  const admxConfigs = merged('admxConfigs', mergeList(sources, 'admxConfigs', 'winAdmxConfigId', issues));
  const agent = merged('agentConfiguration', mergeAgentConfiguration(sources));
  const applications = merged('applications', mergeList(sources, 'applications', 'winApplicationId', issues));
  const assets = merged('assets', mergeList(sources, 'assets', 'mdmAssetId', issues));
  const bookmarks = merged('bookmarks', mergeList(sources, 'bookmarks', 'url', issues));
  const configStart = provenance.length;
  const conflictsStart = conflicts.length;
  const config = merged('config', mergeConfig(sources, issues));
  const configEnd = provenance.length;
  const conflictsEnd = conflicts.length;
  const scripts = merged('scripts', mergeList(sources, 'scripts', 'id', issues));

  const applicationsInfo: unknown[] = [];
  for (let i = 0; i < applications.keys.length; i++) {
    const key = applications.keys[i] as string;
    const winner = applications.winners[i] as Source;
    const path = [...winner.path, 'applications', key];
    const info = applicationInfo(key, applications.values[i] as PolicyApplication, path, catalogs.applications, issues);
    if (info === undefined) complete = false;
    else applicationsInfo.push(info);
  }

  const admxConfigsInfo: unknown[] = [];
  for (let i = 0; i < admxConfigs.keys.length; i++) {
    const key = admxConfigs.keys[i] as string;
    const file = catalogs.admxFiles.get(key);
    if (file === undefined) {
      complete = false;
      issues.push({
        code: 'admx-file-not-found',
        path: [...(admxConfigs.winners[i] as Source).path, 'admxConfigs', key],
        message: `ADMX file "${key}" is not in the ADMX catalog`,
      });
      continue;
    }
    const info: Record<string, unknown> = {
      appName: file.appName,
      fileName: file.fileName,
      id: file.id,
      settingType: file.settingType,
    };
    if (file.description !== undefined) info['description'] = file.description;
    admxConfigsInfo.push(canonicalize(info));
  }

  const out: Record<string, unknown> = {};
  if (base !== undefined) {
    for (const key of Object.keys(base)) {
      const value = (base as Record<string, unknown>)[key];
      if (!COMPUTED_FIELDS.has(key) && value !== undefined) setOwn(out, key, canonicalize(value));
    }
  }
  out['admxConfigs'] = admxConfigs.values;
  out['admxConfigsInfo'] = admxConfigsInfo;
  out['agentConfiguration'] = toObject(agent.keys, agent.values);
  out['applications'] = applications.values;
  out['applicationsInfo'] = applicationsInfo;
  out['assets'] = assets.values;
  out['assetsInfo'] = passThroughInfo(assets.winners, 'assetsInfo');
  out['bookmarks'] = bookmarks.values;
  out['config'] = toObject(config.keys, config.values);
  out['scripts'] = scripts.values;
  out['scriptsInfo'] = passThroughInfo(scripts.winners, 'scriptsInfo');
  const deviceWinPolicy: Record<string, unknown> = {};
  for (const key of Object.keys(out).sort()) setOwn(deviceWinPolicy, key, out[key]);

  return {
    deviceWinPolicy: deviceWinPolicy as WinPolicy,
    provenance,
    conflicts,
    issues,
    complete,
    configStart,
    configEnd,
    conflictsStart,
    conflictsEnd,
  };
}

/**
 * The merge of the policy sources (no device layer) from the cache, merged and stored when this
 * stack was seen before; undefined on a stack's first sighting, which the caller merges as if there
 * were no cache (a stack only one device has is never stored: it would cost memory and the work of
 * keeping it, and save nothing). The key names every source by place (layer, priority, rule) and
 * content token, and the base document and the catalogs by token: everything {@link mergeStack} reads.
 */
function sharedStack(cache: ResolutionCache, sources: readonly Source[], base: WinPolicy | undefined, catalogs: Catalogs): Stack | undefined {
  const documents: string[] = [];
  // Tokens are unique across ids and kinds, so a token stands for its document's id and content.
  let key = base === undefined ? '-' : String(cache.token('policy', base.id as string, base));
  for (const source of sources) {
    documents.push(`policy:${source.id}`);
    key += `|${source.layer}.${source.priority}.${cache.token('policy', source.id, source.policy as object)}`;
    // Quoted: a rule id is admin data and must not be able to spell another stack's key.
    if (source.ref.automationRuleId !== undefined) key += JSON.stringify(source.ref.automationRuleId);
  }
  for (const [kind, catalog] of [['application', catalogs.applications], ['admx', catalogs.admxFiles]] as const) {
    key += `|${kind}`;
    for (const [id, doc] of catalog) {
      key += `.${cache.token(kind, id, doc)}`;
      documents.push(`${kind}:${id}`);
    }
  }
  const cached = cache.get<Stack>(key);
  if (cached !== undefined || !cache.admit(key)) return cached;
  const stack = freezeShared(mergeStack(sources, base, catalogs));
  let weight = stack.conflicts.length + stack.issues.length + 1;
  for (const entry of stack.provenance) weight += 1 + entry.overridden.length;
  cache.set(key, stack, weight, documents);
  return stack;
}

/**
 * Adds the device's own layer to a merged stack: only the keys the device sets change, each
 * re-decided from its provenance (the stack's winner and everything it beat, highest first) with
 * the device's value placed below the enforced layer and above assignments — exactly what a merge
 * with the device among the sources gives.
 */
function withDeviceConfig(stack: Stack, config: Config): Stack {
  const prepared = prepareConfig(config);
  if (prepared.keys.length === 0 && prepared.duplicates.length === 0) return stack;
  const order = prepared.keys.map((_, i) => i).sort((a, b) => compareCodeUnits(prepared.keys[a] as string, prepared.keys[b] as string));
  const issues = [...stack.issues];
  for (const { raw, key } of prepared.duplicates) {
    issues.push({
      code: 'duplicate-key',
      path: ['device', 'config', raw],
      message: `Config key "${raw}" normalises to "${key}" like another key of the same source; the greatest raw key in code-unit order wins`,
    });
  }
  const provenance: ProvenanceEntry[] = stack.provenance.slice(0, stack.configStart);
  const conflicts: Conflict[] = stack.conflicts.slice(0, stack.conflictsStart);
  const effective: Record<string, unknown> = {};
  let p = stack.configStart;
  let c = stack.conflictsStart;
  /** Copies the stack's entry at `p` and its conflicts as they are. */
  const keep = (): void => {
    const entry = stack.provenance[p++] as ProvenanceEntry;
    provenance.push(entry);
    setOwn(effective, entry.key, entry.value);
    while (c < stack.conflictsEnd && (stack.conflicts[c] as Conflict).key === entry.key) conflicts.push(stack.conflicts[c++] as Conflict);
  };
  for (const i of order) {
    const key = prepared.keys[i] as string;
    const value = prepared.values[i];
    while (p < stack.configEnd && (stack.provenance[p] as ProvenanceEntry).key < key) keep();
    const mine: SourcedValue = { source: DEVICE_REF, value };
    const existing = p < stack.configEnd && (stack.provenance[p] as ProvenanceEntry).key === key ? (stack.provenance[p] as ProvenanceEntry) : undefined;
    let chain: SourcedValue[];
    if (existing === undefined) {
      chain = [mine];
    } else {
      p++;
      while (c < stack.conflictsEnd && (stack.conflicts[c] as Conflict).key === key) c++;
      chain = [{ source: existing.source, value: existing.value }, ...existing.overridden];
      const below = chain.findIndex((r) => r.source.layer === 'base' || r.source.layer === 'assignment');
      chain.splice(below === -1 ? chain.length : below, 0, mine);
    }
    const winner = chain[0] as SourcedValue;
    const overridden = chain.slice(1);
    let winning: SourcedValue | undefined;
    for (const lost of overridden) {
      if (valuesEqual(lost.value, winner.value)) continue;
      winning ??= { source: winner.source, value: winner.value };
      conflicts.push({
        field: 'config',
        key,
        kind: lost.source.layer === winner.source.layer && lost.source.priority === winner.source.priority ? 'ambiguous-priority' : 'overridden',
        winner: winning,
        loser: lost,
      });
    }
    provenance.push({ field: 'config', key, source: winner.source, value: winner.value, overridden });
    setOwn(effective, key, winner.value);
  }
  while (p < stack.configEnd) keep();
  const configEnd = provenance.length;
  const conflictsEnd = conflicts.length;
  for (let i = stack.configEnd; i < stack.provenance.length; i++) provenance.push(stack.provenance[i] as ProvenanceEntry);
  for (let i = stack.conflictsEnd; i < stack.conflicts.length; i++) conflicts.push(stack.conflicts[i] as Conflict);
  const deviceWinPolicy: Record<string, unknown> = {};
  for (const field of Object.keys(stack.deviceWinPolicy)) {
    setOwn(deviceWinPolicy, field, field === 'config' ? effective : (stack.deviceWinPolicy as Record<string, unknown>)[field]);
  }
  return {
    deviceWinPolicy: deviceWinPolicy as WinPolicy,
    provenance,
    conflicts,
    issues,
    complete: stack.complete,
    configStart: stack.configStart,
    configEnd,
    conflictsStart: stack.conflictsStart,
    conflictsEnd,
  };
}

/**
 * Freezes the containers of a stack that many devices' results share — the effective policy, its
 * lists and `config`, and the provenance, conflict and issue lists — so that a caller that edits a
 * result fails loudly instead of changing other devices' results. The entries inside are shared too
 * and are not frozen one by one (that costs as much as the merge): results are read-only.
 */
function freezeShared(stack: Stack): Stack {
  for (const value of Object.values(stack.deviceWinPolicy)) if (typeof value === 'object' && value !== null) Object.freeze(value);
  Object.freeze(stack.deviceWinPolicy);
  Object.freeze(stack.provenance);
  Object.freeze(stack.conflicts);
  Object.freeze(stack.issues);
  return Object.freeze(stack);
}

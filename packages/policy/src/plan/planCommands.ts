import { AdmxError, admxInstallUri } from '@winmdm/admx';
import { SyncMLError, type Command } from '@winmdm/syncml';
import type { AdmxFile } from '../AdmxFileSchema.js';
import type { Application } from '../ApplicationSchema.js';
import type { ApplicationInfo } from '../ApplicationInfoSchema.js';
import type { ConfigValue } from '../ConfigValueSchema.js';
import type { ResolutionResult } from '../ResolutionResult.js';
import { compareCodeUnits } from '../compareCodeUnits.js';
import { normalizeOmaUri } from '../normalizeOmaUri.js';
import { omaUriProblem } from '../omaUriProblem.js';
import { ACKNOWLEDGED_STATUSES, type NodeStatus } from '../delivery/NodeStatus.js';
import { readBackComparer } from '../delivery/compareReadBack.js';
import { unverifiableNode } from '../delivery/unverifiableNodes.js';
import type { DesiredNode, DeviceState, KnownNode, NodeKind, Plan, PlanIssue, PlanOptions, PlannedNode, PlannedVerification } from './Plan.js';
import { looksLikeAdmxBackedPayload } from './looksLikeAdmxBackedPayload.js';
import { chooseSetVerb, MSI_REMOVED, type SetVerb } from './chooseSetVerb.js';
import { configNodeValue, INVALID_XML_CHAR, type IngestedPolicy } from './configNodeValue.js';
import { inventoryNodes } from './inventoryNodes.js';
import { msiInstallJob } from './msiInstallJob.js';
import { msiLocUris, type MsiLocUris } from './msiLocUris.js';
import { packMessages, sizeOf, unsendable, type ObjectLimits, type PackUnit, type SizedCommand } from './packMessages.js';
import { prepareAdmxFile } from './prepareAdmxFile.js';

/** The default reserve: 4 KiB, or a quarter of a smaller message. */
const DEFAULT_RESERVE_BYTES = 4096;
/** What every message has besides its header, its Statuses, its commands and `<Final/>`. */
const ENVELOPE = '<?xml version="1.0" encoding="UTF-8"?><SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody></SyncBody></SyncML>';
/** The smallest room for commands a message may leave: a Get of a long LocURI, an MSI Add. */
const MIN_BUDGET = 256;
const TEXT_PLAIN = 'text/plain';
/** The states whose value the device acknowledged (or drifted from) and a read-back checks. */
const READ_BACK: ReadonlySet<NodeStatus> = new Set<NodeStatus>(['applied', 'verified', 'unverifiable', 'conflict', 'drifted']);
const DEFAULT_MSI_COMMAND_LINE = '/quiet';

/**
 * Something the device should hold, with what it takes to send it. Plain data rather than
 * closures: a plan of 100,000 settings builds 100,000 of these.
 */
interface Target {
  locUri: string;
  kind: NodeKind;
  /** The canonical value. */
  value: string;
  /** Where issues about it point. */
  path: (string | number)[];
  /** 0: ADMX ingestion, 1: CSP and ADMX-backed values, 2: MSI applications. */
  group: 0 | 1 | 2;
  /** CSP values and ADMX files: `Meta/Format` and `Data`. */
  format?: string;
  data?: string;
  /** For a value of an ingested ADMX policy: its file's ADMXInstall URI. */
  ingestion?: string;
  /** For an MSI application: its LocURIs, and the install job (absent for a removal). */
  msi?: MsiLocUris;
  job?: string;
}

function compareTargets(a: Target, b: Target): number {
  return a.group - b.group || compareCodeUnits(a.locUri, b.locUri);
}

/** The command(s) for a target and verb, with the placeholder CmdID 1 (numbered when packed). */
function commandsFor(target: Target, verb: SetVerb): Command[] {
  const msi = target.msi;
  if (msi !== undefined) {
    if (verb === 'Delete') return [{ kind: 'Delete', cmdId: 1, items: [{ target: { locURI: msi.product } }] }];
    return [
      { kind: 'Add', cmdId: 1, items: [{ target: { locURI: msi.downloadInstall } }] },
      {
        kind: 'Exec',
        cmdId: 1,
        items: [{ target: { locURI: msi.downloadInstall }, meta: { format: 'xml', type: TEXT_PLAIN }, data: target.job ?? '' }],
      },
    ];
  }
  return [
    {
      kind: verb === 'Add' ? 'Add' : 'Replace',
      cmdId: 1,
      items: [{ target: { locURI: target.locUri }, meta: { format: target.format ?? 'chr', type: TEXT_PLAIN }, data: target.data ?? '' }],
    },
  ];
}

function compareIssues(a: PlanIssue, b: PlanIssue): number {
  return (
    compareCodeUnits(JSON.stringify(a.path), JSON.stringify(b.path)) ||
    compareCodeUnits(a.code, b.code) ||
    compareCodeUnits(a.message, b.message)
  );
}

function commandBudget(options: PlanOptions): number {
  const { maxMsgSize } = options;
  const reserve = options.reserveBytes ?? Math.min(DEFAULT_RESERVE_BYTES, Math.floor(maxMsgSize / 4));
  if (!Number.isSafeInteger(maxMsgSize) || maxMsgSize <= 0) {
    throw new RangeError(`maxMsgSize must be a positive integer, got ${maxMsgSize}`);
  }
  if (!Number.isSafeInteger(reserve) || reserve < 0) {
    throw new RangeError(`reserveBytes must be a non-negative integer, got ${reserve}`);
  }
  const budget = maxMsgSize - reserve - ENVELOPE.length;
  if (budget < MIN_BUDGET) {
    throw new RangeError(
      `maxMsgSize ${maxMsgSize} leaves ${budget} bytes per message for commands after reserveBytes ${reserve} ` +
        `and the ${ENVELOPE.length}-byte envelope; at least ${MIN_BUDGET} are needed`,
    );
  }
  return budget;
}

/**
 * Compiles an effective policy into the SyncML commands that bring a Windows device to it, given
 * what the server knows the device has (DESIGN §5). Pure and deterministic: no I/O, no clock, and
 * the same input gives the same plan, whatever the order of `deviceState.nodes`.
 *
 * What is planned:
 * - **ADMX files** of the effective `admxConfigs` (content from `options.admxFiles`): `Add` to
 *   `.../ADMXInstall/{AppName}/{SettingType}/{FileId}` for a file the device lacks, `Replace` for a
 *   new revision (compared by digest), the file in CDATA;
 * - **config values**: `Replace` of new or changed values with an explicit `Meta/Format`; values of
 *   policies of an ingested ADMX file are validated against its definition and sent in canonical
 *   form, never before their file's ingestion (held back while the file is neither installed nor
 *   being ingested); invalid values are issues and are neither sent nor deleted;
 * - **MSI applications**: `Add` then `Exec` of `.../MSI/{ProductCode}/DownloadInstall` with an
 *   `MsiInstallJob` for `required` ones, a `Delete` of `.../MSI/{ProductCode}` for `remove`;
 * - **Deletes** of known nodes no longer desired, only when `resolution.complete` (MSI removals
 *   too wait for a complete resolution);
 * - **inventory** `Get`s for `options.refresh`.
 *
 * Order: ingestions, then values (by LocURI), then applications, then Deletes (values before the
 * ingestions they belong to), then Gets. Ingestions first because the policies they define do not
 * exist before; values before applications so that an application finds its policies in place when
 * it installs; Deletes after every Add and Replace so that a value moving between nodes is never
 * absent in between, and a failed Delete cannot hold up anything else; Gets last so that the
 * inventory reflects the commands before it. Commands are packed into messages under
 * `maxMsgSize`, anything larger than one message as an OMA-DM large object.
 *
 * Retries follow `KnownNode`: a `Replace` answered 404 is sent again as `Add`, an `Add` answered 418
 * as `Replace`; other failures wait for the next session, except values of an ADMX file that is
 * being sent again (they most likely failed for want of it). A `Delete` answered 404 counts as done;
 * a `Delete` that failed is sent again in the next session (the node is still on the device), and a
 * node whose `Delete` the device refused (`not-removable`) is kept, reported and not asked again.
 * A device without large objects (`largeObjects: false`) or with a `maxObjSize` gets no value it
 * cannot take: such a value is a `command-too-large` issue.
 *
 * @throws {RangeError} when `maxMsgSize`/`reserveBytes` are not integers or leave fewer than 256
 * bytes per message for commands: a programming error, not bad data.
 *
 * @example
 * ```ts
 * const plan = planCommands(resolveEffectivePolicy(input), { nodes: new Map() }, {
 *   maxMsgSize: 524288, admxFiles: bundle.admxFiles, applications: bundle.applications, refresh: ['hardware'],
 * });
 * for (const message of plan.messages) send(message.map((p) => p.command));
 * ```
 */
export function planCommands(resolution: ResolutionResult, deviceState: DeviceState, options: PlanOptions): Plan {
  const budget = commandBudget(options);
  const limits: ObjectLimits = { largeObjects: options.largeObjects ?? true, maxObjSize: options.maxObjSize };
  const policy = resolution.deviceWinPolicy;
  const issues: PlanIssue[] = [];
  const targets = new Map<string, Target>();
  /** State keys whose desired value is invalid this time: the device keeps what it has. */
  const protectedKeys = new Set<string>();
  const issue = (code: PlanIssue['code'], path: (string | number)[], message: string, locUri?: string): void => {
    issues.push(locUri === undefined ? { code, path, message } : { code, path, message, locUri });
  };
  const addTarget = (target: Target): boolean => {
    const earlier = targets.get(target.locUri);
    if (earlier !== undefined) {
      issue('duplicate-node', target.path, `${target.locUri} is already set by ${JSON.stringify(earlier.path)}`, target.locUri);
      return false;
    }
    targets.set(target.locUri, target);
    return true;
  };

  // ADMX files, and the table of the policies they define.
  const catalog = new Map<string, AdmxFile>();
  for (const file of options.admxFiles ?? []) if (!catalog.has(file.id)) catalog.set(file.id, file);
  const admxInfo = new Map((policy.admxConfigsInfo ?? []).map((info) => [info.id, info]));
  const ingested = new Map<string, IngestedPolicy>();
  const admxIds = [...new Set((policy.admxConfigs ?? []).map((ref) => ref.winAdmxConfigId))].sort();
  for (const id of admxIds) {
    const path = ['admxConfigs', id];
    const file = catalog.get(id);
    if (file === undefined) {
      // The device keeps what it has of the file: where it is installed follows from the info.
      const info = admxInfo.get(id);
      let installUri: string | undefined;
      if (info?.appName !== undefined && (info.settingType === 'Policy' || info.settingType === 'Preference')) {
        try {
          installUri = admxInstallUri(info.appName, info.settingType, id);
          protectedKeys.add(installUri);
        } catch (err) {
          if (!(err instanceof AdmxError)) throw err;
        }
      }
      issue('admx-file-missing', path, `ADMX file "${id}" is effective but options.admxFiles does not carry its content`, installUri);
      continue;
    }
    const prepared = prepareAdmxFile(file);
    if (!prepared.ok) {
      issue('admx-file-invalid', path, `ADMX file "${id}" (${file.fileName}) cannot be ingested: ${prepared.message}`, prepared.installUri);
      if (prepared.installUri !== undefined) protectedKeys.add(prepared.installUri);
      continue;
    }
    const bad = INVALID_XML_CHAR.exec(file.content);
    if (bad !== null) {
      issue('admx-file-invalid', path, `ADMX file "${id}" holds a character XML cannot carry at index ${bad.index}`, prepared.installUri);
      protectedKeys.add(prepared.installUri);
      continue;
    }
    const ingestion = prepared.installUri;
    const added = addTarget({ locUri: ingestion, kind: 'admx-install', value: prepared.digest, path, group: 0, format: 'chr', data: file.content });
    if (!added) continue;
    for (const [uri, admxPolicy] of prepared.policies) {
      // Two effective files defining one policy URI: the first (by id) defines it.
      if (!ingested.has(uri)) ingested.set(uri, { policy: admxPolicy, ingestion, fileId: id });
    }
  }

  // MSI applications.
  const infoById = new Map<string, ApplicationInfo>();
  for (const info of policy.applicationsInfo ?? []) if (info.id !== undefined && !infoById.has(info.id)) infoById.set(info.id, info);
  const appCatalog = new Map<string, Application>();
  for (const app of options.applications ?? []) if (!appCatalog.has(app.id)) appCatalog.set(app.id, app);
  const apps = [...(policy.applications ?? [])].sort((a, b) => compareCodeUnits(a.winApplicationId, b.winApplicationId));
  for (const app of apps) {
    const action = app.action ?? 'required';
    if (action === 'available') continue; // self-service: nothing over SyncML
    const id = app.winApplicationId;
    const path = ['applications', id];
    const info = infoById.get(id);
    const entry = appCatalog.get(id);
    const type = info?.type ?? entry?.type;
    const productCode = info?.productCode ?? entry?.productCode;
    const uris = productCode === undefined ? undefined : msiLocUris(productCode);
    if (uris === undefined) {
      issue('application-unavailable', path, `application "${id}" has no product code that is a braced GUID (${JSON.stringify(productCode)})`);
      continue;
    }
    if (type !== undefined && type !== 'msi') {
      issue('application-unavailable', path, `application "${id}" is of type "${type}"; only MSI applications can be planned`, uris.downloadInstall);
      protectedKeys.add(uris.downloadInstall);
      continue;
    }
    if (action === 'remove') {
      // An uninstall strips the device as much as a Delete does: not on an incomplete resolution,
      // where a missing policy might have required the application.
      if (!resolution.complete) continue;
      addTarget({ locUri: uris.downloadInstall, kind: 'msi', value: MSI_REMOVED, path, group: 2, msi: uris });
      continue;
    }
    const version = info?.version;
    const chosen = entry?.versions.find((v) => v.version === version);
    const contentUrl = info?.contentUrl ?? chosen?.contentUrl;
    const sha256 = info?.sha256 ?? chosen?.sha256;
    if (version === undefined || contentUrl === undefined || sha256 === undefined) {
      issue('application-unavailable', path, `application "${id}" has no installable version (version, content URL and SHA-256 are needed)`, uris.downloadInstall);
      protectedKeys.add(uris.downloadInstall);
      continue;
    }
    const job = msiInstallJob({
      productCode: uris.productCode,
      version,
      contentUrl,
      sha256,
      commandLine: info?.commandLine ?? chosen?.commandLine ?? DEFAULT_MSI_COMMAND_LINE,
    });
    if (INVALID_XML_CHAR.test(job)) {
      issue('application-unavailable', path, `application "${id}" has a character XML cannot carry in its install job`, uris.downloadInstall);
      protectedKeys.add(uris.downloadInstall);
      continue;
    }
    addTarget({ locUri: uris.downloadInstall, kind: 'msi', value: `msi:${version}:${sha256.toLowerCase()}`, path, group: 2, msi: uris, job });
  }

  // Config values: ADMX-backed (ingested or built-in) and plain CSP values.
  const config: Readonly<Record<string, ConfigValue>> = policy.config ?? {};
  for (const rawKey of Object.keys(config).sort()) {
    const locUri = normalizeOmaUri(rawKey);
    const path = ['config', rawKey];
    const badUri = omaUriProblem(locUri);
    if (badUri !== undefined) {
      issue('invalid-loc-uri', path, `${JSON.stringify(rawKey)} is not a valid OMA-URI: ${badUri}`);
      continue;
    }
    const result = configNodeValue(locUri, config[rawKey] as ConfigValue, ingested);
    if (!result.ok) {
      for (const found of result.problems) issue(found.code, found.path.length === 0 ? path : [...path, ...found.path], found.message, locUri);
      protectedKeys.add(locUri);
      continue;
    }
    const target: Target = { locUri, kind: 'csp', value: result.data, path, group: 1, format: result.format, data: result.data };
    if (result.ingestion !== undefined) target.ingestion = result.ingestion;
    addTarget(target);
  }

  // Where each desired value comes from: the policy of its provenance, and ties between policies
  // of equal priority that disagree about it.
  const provenanceKey = (target: Target): string => `${String(target.path[0])}\u0000${target.kind === 'csp' ? target.locUri : String(target.path[1])}`;
  const sources = new Map<string, string>();
  for (const entry of resolution.provenance) {
    if (entry.source.winPolicyId !== undefined) sources.set(`${entry.field}\u0000${entry.key}`, entry.source.winPolicyId);
  }
  const ties = new Set(resolution.conflicts.filter((c) => c.kind === 'ambiguous-priority').map((c) => `${c.field}\u0000${c.key}`));
  const remediate = (target: Target): boolean => options.remediate?.(sources.get(provenanceKey(target))) ?? true;

  // What to send for each desired node, in plan order.
  const ordered = [...targets.values()].sort(compareTargets);
  const units: PackUnit[] = [];
  /** The ADMX files this plan sends (their values may follow them). */
  const settingNow = new Set<string>();
  for (const target of ordered) {
    const known = deviceState.nodes.get(target.locUri);
    const context = { now: options.now, remediate: known?.status === 'drifted' && remediate(target) };
    let verb = chooseSetVerb(target.kind, target.value, known, context);
    if (verb === undefined && target.ingestion !== undefined && settingNow.has(target.ingestion) && known?.status === 'failed') {
      // Its ADMX file is being sent again: a value that failed this session most likely failed
      // for want of the file, so it gets the retry of a failure from an earlier session.
      const { attemptedThisSession: _thisSession, retryAt: _retryAt, ...earlier } = known;
      verb = chooseSetVerb(target.kind, target.value, earlier, context);
    }
    if (verb === undefined) continue;
    if (target.ingestion !== undefined && !settingNow.has(target.ingestion)) {
      const file = deviceState.nodes.get(target.ingestion);
      const installed = file !== undefined && ACKNOWLEDGED_STATUSES.has(file.status) && file.value === targets.get(target.ingestion)?.value;
      if (!installed) continue; // held back until its ADMX file is on the device
    }
    const node: PlannedNode = { locUri: target.locUri, kind: target.kind, value: target.value, op: 'set' };
    let unit: SizedCommand[];
    try {
      unit = commandsFor(target, verb).map((command) => ({ command, nodes: [node], size: sizeOf(command) }));
    } catch (err) {
      // The checks above leave nothing XML cannot carry; this is a last line, not a path taken.
      if (!(err instanceof SyncMLError)) throw err;
      issue('invalid-value', target.path, err.message, target.locUri);
      continue;
    }
    let problem: string | undefined;
    for (const c of unit) problem ??= unsendable(c, budget, limits);
    if (problem !== undefined) {
      issue('command-too-large', target.path, problem, target.locUri);
      continue;
    }
    if (target.kind === 'admx-install') settingNow.add(target.locUri);
    units.push(unit);
  }

  // Deletes and leftovers.
  const stale: string[] = [];
  const deletes: { rank: number; locUri: string; unit: PackUnit }[] = [];
  for (const locUri of [...deviceState.nodes.keys()].sort()) {
    if (targets.has(locUri) || protectedKeys.has(locUri)) continue;
    const known = deviceState.nodes.get(locUri) as KnownNode;
    // A node the device refused to delete stays on it: it is reported, never forgotten, and not
    // asked again until it is desired again (or resent); so does a Delete quarantined after
    // failing too often. A Delete that failed, or was sent in a session that broke off (pending
    // again), is not confirmed: it is sent again once its retry is due; one that failed this
    // session waits for the next.
    if (known.status === 'not-removable' || (known.status === 'quarantined' && known.lastCommand === 'Delete')) continue;
    const unconfirmedDelete = known.lastCommand === 'Delete' && (known.status === 'failed' || known.status === 'pending');
    const waiting =
      known.attemptedThisSession === true || (known.retryAt !== undefined && options.now !== undefined && known.retryAt > options.now);
    if (unconfirmedDelete && waiting && resolution.complete) continue;
    const onDevice = ACKNOWLEDGED_STATUSES.has(known.status) || known.status === 'sent' || known.status === 'drifted';
    // An MSI application that is merely no longer assigned stays installed: only `remove` uninstalls.
    if (!resolution.complete || known.kind === 'msi' || (!onDevice && !unconfirmedDelete)) {
      stale.push(locUri);
      continue;
    }
    const command: Command = { kind: 'Delete', cmdId: 1, items: [{ target: { locURI: locUri } }] };
    const sized: SizedCommand = { command, nodes: [{ locUri, kind: known.kind, value: null, op: 'delete' }], size: sizeOf(command) };
    const problem = unsendable(sized, budget, limits);
    if (problem !== undefined) {
      issue('command-too-large', ['deviceState', locUri], problem, locUri);
      stale.push(locUri);
      continue;
    }
    // Values go before the ingestion of the file that defines them.
    deletes.push({ rank: known.kind === 'admx-install' ? 1 : 0, locUri, unit: [sized] });
  }
  deletes.sort((a, b) => a.rank - b.rank || compareCodeUnits(a.locUri, b.locUri));
  for (const d of deletes) units.push(d.unit);

  // Drift detection: read back acknowledged values, after every command that changes anything.
  let verification: PlannedVerification | undefined;
  if (options.verify !== undefined) {
    const verify = options.verify;
    const commanded = new Set(units.flatMap((unit) => unit.flatMap((c) => c.nodes.map((n) => n.locUri))));
    const candidates: { target: Target; checkedAt: string; absentIsNormal: boolean }[] = [];
    const unverifiable: PlannedVerification['unverifiable'] = [];
    let inScope = 0;
    for (const target of ordered) {
      const known = deviceState.nodes.get(target.locUri);
      if (known === undefined || !READ_BACK.has(known.status) || known.value !== target.value || commanded.has(target.locUri)) continue;
      if (!verify.inScope(sources.get(provenanceKey(target)))) continue;
      inScope++;
      if (known.checkedAt !== undefined && known.checkedAt >= verify.since) continue;
      const entry = unverifiableNode(target.locUri, target.kind, target.value);
      if (entry?.when === 'always') {
        unverifiable.push({ locUri: target.locUri, reason: entry.reason });
      } else if (target.locUri.startsWith('./User/') && verify.userSession !== true) {
        unverifiable.push({ locUri: target.locUri, reason: 'a ./User node is not read back while the enrolled user is not signed in' });
      } else {
        candidates.push({ target, checkedAt: known.checkedAt ?? '', absentIsNormal: entry?.when === 'not-found' });
      }
    }
    // Those read longest ago (or never) first, so that a round bounded per session reaches every node.
    candidates.sort((a, b) => compareCodeUnits(a.checkedAt, b.checkedAt) || compareCodeUnits(a.target.locUri, b.target.locUri));
    const chosen = candidates.slice(0, Math.max(0, verify.limit));
    for (const { target, absentIsNormal } of chosen) {
      const admxBacked = target.ingestion !== undefined || looksLikeAdmxBackedPayload(target.value);
      const command: Command = { kind: 'Get', cmdId: 1, items: [{ target: { locURI: target.locUri } }] };
      const node: PlannedNode = {
        locUri: target.locUri,
        kind: target.kind,
        value: target.value,
        op: 'verify',
        readBack: { comparer: readBackComparer(target.format ?? 'chr', admxBacked), absentIsNormal },
      };
      units.push([{ command, nodes: [node], size: sizeOf(command) }]);
    }
    verification = { inScope, planned: chosen.length, remaining: candidates.length - chosen.length, unverifiable };
  }

  // Inventory.
  const refresh = new Set(options.refresh ?? []);
  const reads: [string, 'hardware' | 'applications'][] = [];
  if (refresh.has('hardware')) for (const uri of inventoryNodes.hardware) reads.push([uri, 'hardware']);
  if (refresh.has('applications')) {
    for (const uri of inventoryNodes.applications) reads.push([uri, 'applications']);
    for (const target of ordered) {
      if (target.msi !== undefined && target.value !== MSI_REMOVED) {
        reads.push([`${target.msi.product}/Version`, 'applications'], [`${target.msi.product}/Status`, 'applications']);
      }
    }
  }
  for (const [locUri, inventory] of reads) {
    const command: Command = { kind: 'Get', cmdId: 1, items: [{ target: { locURI: locUri } }] };
    units.push([{ command, nodes: [{ locUri, kind: 'csp', value: null, op: 'get', inventory }], size: sizeOf(command) }]);
  }

  const packed = packMessages(units, budget, limits);
  for (const { unit, message } of packed.tooLarge) {
    const node = unit[0]?.nodes[0];
    issue('command-too-large', node === undefined ? [] : [node.locUri], message, node?.locUri);
  }

  const desired = new Map<string, DesiredNode>();
  for (const locUri of [...targets.keys()].sort()) {
    const target = targets.get(locUri) as Target;
    const entry: DesiredNode = { kind: target.kind, value: target.value };
    const policyId = sources.get(provenanceKey(target));
    if (policyId !== undefined) entry.policyId = policyId;
    if (ties.has(provenanceKey(target))) entry.conflicted = true;
    desired.set(locUri, entry);
  }
  issues.sort(compareIssues);
  return { messages: packed.messages, desired, stale, issues, ...(verification ? { verification } : {}) };
}

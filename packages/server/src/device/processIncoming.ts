import { AlertCodes, StatusCodes, statusCode, type Command, type Item, type Results, type Status } from '@winmdm/syncml';
import { classifyStatus, compareReadBack, nodeTransition, normalizeOmaUri, type PlannedNode, type RetryPolicy } from '@winmdm/policy';
import type { NodeStateRow } from '../store/Store.js';
import { placeOf, rowOf, sentRecord } from './nodeRows.js';
import type { JournalNode, SentCommand, SessionState } from './SessionState.js';

/** The Status the server owes one incoming command. */
export interface OwedStatus {
  command: Command;
  code: number;
}

/** What one incoming message changes, collected before anything is written. */
export interface IncomingEffects {
  statuses: OwedStatus[];
  /** Node rows to upsert (acknowledged or failed). */
  nodeUpdates: NodeStateRow[];
  /** Nodes that are gone (a Delete acknowledged, or answered 404). */
  nodeDeletes: string[];
  /** Complete Results (large objects reassembled), for the summary. */
  results: Results[];
  /** DevInfo values the device reported in its Replace (`./DevInfo/Man` → value). */
  devInfo: Record<string, string>;
  loginStatus?: string;
  /** Application install results from `com.microsoft.mdm.win32csp_install` alerts, by product code. */
  appInstalls: { productCode: string; locUri: string; code: number }[];
  /** The device asked to be unenrolled (`com.microsoft:mdm.unenrollment.userrequest`). */
  unenroll: boolean;
  /** Other generic alerts, recorded as they came. */
  alerts: { code: string; type?: string; data?: string; source?: string }[];
  /** Config (CSP/ADMX) or application nodes were acknowledged in this message. */
  configApplied: boolean;
  appsApplied: boolean;
  /** Inventories for which a complete `Results` arrived in this message (a failed Get answers none). */
  inventoryAnswered: ('hardware' | 'applications')[];
  /** Large objects (by state key) whose chunk the device did not accept: the rest of them must not be sent. */
  abortedObjects: string[];
  /** The device answered 214 (operation cancelled): it processes nothing more in this session. */
  deviceStopped: boolean;
  /** Nodes a read-back found drifted in this message. */
  drifted: string[];
  /** The device's message had no `<Final/>`: it has more to send in this package. */
  clientHasMore: boolean;
  /**
   * The device refused the SyncHdr of the server's message `msgRef` (401/407, usually with a
   * `Chal`: it wants the server to authenticate with OMA-DM credentials). It processed nothing in
   * that message: the Statuses of its commands are not their own answers and are ignored, and
   * their nodes are pending again.
   */
  headerRefused?: { msgRef: number; code: number; chal: { type?: string; format?: string } | null };
}

/**
 * SyncHdr Status codes that refuse the whole message for want of credentials: 401 (invalid
 * credentials) and OMA-DM's 407 (missing credentials; Windows never sends it, so `StatusCodes`
 * does not list it).
 */
const CREDENTIALS_WANTED: ReadonlySet<number> = new Set([StatusCodes.INVALID_CREDENTIALS, 407]);

const UNENROLL_TYPE = 'com.microsoft:mdm.unenrollment.userrequest';
const WIN32_INSTALL_TYPE = 'com.microsoft.mdm.win32csp_install';
const LOGIN_STATUS_TYPE = 'com.microsoft/MDM/LoginStatus';

function metaType(item: Item): string | undefined {
  return item.meta?.type?.trim();
}

/** `Reversed-Domain-Name:com.microsoft.mdm.win32csp_install` and the bare name are the same type. */
function typeIs(type: string | undefined, expected: string): boolean {
  if (!type) return false;
  return type === expected || type.endsWith(`:${expected}`);
}

function productCodeOf(locUri: string): string | undefined {
  const match = /\/MSI\/([^/]+)\/DownloadInstall$/i.exec(locUri);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

/** When a message is read, which it is, and how failures are retried. */
export interface IncomingContext {
  now: string;
  /** The incoming message's MsgID (a `Results` without `MsgRef` answers the server's message before it). Default: the session's last. */
  msgId?: number;
  retry?: RetryPolicy;
}

/**
 * Reads one incoming message against the session: matches the device's Statuses to what was sent
 * (by MsgRef/CmdRef) and turns them into node states (`classifyStatus`: only a status that means
 * the command took effect applies a node), reassembles chunked Results, and collects alerts and
 * DevInfo. Commands inside an Atomic are applied only if the Atomic itself succeeded. Pure with
 * respect to the store: it only mutates `state` (the session's journal, large-object bookkeeping
 * and inventory requests) and returns what must be written.
 */
export function processIncoming(body: readonly Command[], final: boolean, state: SessionState, context: IncomingContext): IncomingEffects {
  const msgId = context.msgId ?? state.lastMsgId;
  const effects: IncomingEffects = {
    statuses: [],
    nodeUpdates: [],
    nodeDeletes: [],
    results: [],
    devInfo: {},
    appInstalls: [],
    unenroll: false,
    alerts: [],
    configApplied: false,
    appsApplied: false,
    inventoryAnswered: [],
    abortedObjects: [],
    deviceStopped: false,
    drifted: [],
    clientHasMore: !final,
  };
  const owe = (command: Command, code: number): void => {
    if (command.kind !== 'Status' && !('noResp' in command && command.noResp)) effects.statuses.push({ command, code });
  };
  /** Statuses of commands inside a container, decided once the whole message is read. */
  const inner: { sent: SentCommand; code: number; key: string }[] = [];
  /** Status codes of the containers this message answers, by journal key. */
  const containers = new Map<string, number>();
  // Looked for first: a refused header decides what every other Status of its message means.
  const header = body.find((c): c is Status => c.kind === 'Status' && c.cmdRef === 0 && CREDENTIALS_WANTED.has(codeOf(c)));
  if (header !== undefined) {
    const meta = header.chal?.meta;
    effects.headerRefused = {
      msgRef: header.msgRef,
      code: codeOf(header),
      chal: meta === undefined ? null : { ...(meta.type !== undefined ? { type: meta.type } : {}), ...(meta.format !== undefined ? { format: meta.format } : {}) },
    };
    withdrawMessage(header.msgRef, state, effects, context);
  }

  for (const command of body) {
    switch (command.kind) {
      case 'Status': {
        if (command.cmdRef === 0) break; // the device's view of our SyncHdr
        // A consequence of the refused header, not the command's own answer (withdrawn above).
        if (header !== undefined && command.msgRef === header.msgRef) break;
        const key = journalKey(command.msgRef, command.cmdRef);
        const sent = lookup(state, key);
        if (!sent) break; // a Status for something this session did not send: nothing to record
        const code = codeOf(command);
        if (sent.kind === 'Atomic' || sent.kind === 'Sequence') containers.set(key, code);
        else if (sent.parent !== undefined) inner.push({ sent, code, key: journalKey(command.msgRef, sent.parent) });
        else applyStatus(sent, code, state, effects, context, true);
        break;
      }
      case 'Results':
        owe(command, collectResults(command, state, effects, context));
        break;
      case 'Alert':
        collectAlert(command.data, command.items, effects);
        owe(command, StatusCodes.OK);
        break;
      case 'Replace': {
        // Windows reports its DevInfo this way at the start of every session.
        const devInfo = command.items.every((i) => (i.source?.locURI ?? i.target?.locURI ?? '').startsWith('./DevInfo/'));
        if (devInfo) {
          for (const item of command.items) {
            const uri = item.source?.locURI ?? item.target?.locURI;
            if (uri && item.data !== undefined) effects.devInfo[uri] = item.data;
          }
        }
        owe(command, devInfo ? StatusCodes.OK : StatusCodes.OPTIONAL_FEATURE_NOT_SUPPORTED);
        break;
      }
      default:
        // A device has no business adding, deleting or executing on the server.
        owe(command, StatusCodes.OPTIONAL_FEATURE_NOT_SUPPORTED);
    }
  }
  for (const { sent, code, key } of inner) {
    // All or nothing: a command of an Atomic that did not succeed (or whose outcome the device
    // did not report) was rolled back, whatever its own Status says.
    applyStatus(sent, code, state, effects, context, atomicHeld(state, key, containers));
  }
  return effects;
}

/**
 * Takes back what the server's message `msgRef` carried, after the device refused its SyncHdr: the
 * nodes its commands were sent for are pending again (the session's failure, not theirs: no try
 * counted), its large objects are not continued, and its inventory and read-back Gets are left for
 * a later session without counting as attempts. Nothing of it is awaited any more.
 */
function withdrawMessage(msgRef: number, state: SessionState, effects: IncomingEffects, context: IncomingContext): void {
  const journal = state.sent[String(msgRef)];
  if (journal === undefined) return;
  delete state.sent[String(msgRef)];
  // An MSI's Add and Exec name the same node: one row each.
  const withdrawn = new Map<string, NodeStateRow>();
  for (const sent of Object.values(journal)) {
    if (sent.kind === 'Get') {
      for (const node of sent.nodes) {
        if (node.inventory !== undefined && state.inventory[node.inventory]?.answered !== true) delete state.inventory[node.inventory];
        if (node.op === 'verify' && state.verifyRound !== undefined) state.verifyRound.remaining++;
      }
      continue;
    }
    if (sent.kind !== 'Add' && sent.kind !== 'Replace' && sent.kind !== 'Delete' && sent.kind !== 'Exec') continue;
    for (const node of sent.nodes) {
      if (sent.chunk !== undefined) {
        delete state.chunksAccepted[node.locUri];
        if (!effects.abortedObjects.includes(node.locUri)) effects.abortedObjects.push(node.locUri);
      }
      if (node.op === 'get' || node.op === 'verify') continue;
      const next = nodeTransition(sentRecord(node, sent.kind), { type: 'header-refused' });
      if (next === null) continue;
      withdrawn.set(node.locUri, rowOf(placeOf(node, state.sessionId, context.now), next));
    }
  }
  effects.nodeUpdates.push(...withdrawn.values());
}

function journalKey(msgRef: number, cmdRef: number): string {
  return `${msgRef}:${cmdRef}`;
}

function lookup(state: SessionState, key: string): SentCommand | undefined {
  const [msgRef, cmdRef] = key.split(':') as [string, string];
  return state.sent[msgRef]?.[cmdRef];
}

/** Whether every Atomic around the command journaled under the container `key` succeeded; Sequences do not decide. */
function atomicHeld(state: SessionState, key: string, containers: ReadonlyMap<string, number>): boolean {
  const msgRef = key.slice(0, key.indexOf(':'));
  for (let at: string | undefined = key; at !== undefined; ) {
    const container = lookup(state, at);
    if (!container) return false;
    if (container.kind === 'Atomic' && containers.get(at) !== StatusCodes.OK) return false;
    at = container.parent === undefined ? undefined : journalKey(Number(msgRef), container.parent);
  }
  return true;
}

function codeOf(status: Status): number {
  try {
    return statusCode(status);
  } catch {
    // An unreadable code is not a success; it is recorded as the generic failure.
    return StatusCodes.COMMAND_FAILED;
  }
}

function collectAlert(code: string, items: readonly Item[], effects: IncomingEffects): void {
  const n = Number(code);
  if (n === AlertCodes.CLIENT_EVENT || n === AlertCodes.GENERIC_ALERT) {
    for (const item of items) {
      const type = metaType(item);
      if (typeIs(type, LOGIN_STATUS_TYPE)) {
        if (item.data !== undefined) effects.loginStatus = item.data.trim();
      } else if (typeIs(type, UNENROLL_TYPE)) {
        effects.unenroll = true;
      } else if (typeIs(type, WIN32_INSTALL_TYPE)) {
        const locUri = item.source?.locURI ?? '';
        const productCode = productCodeOf(locUri);
        const result = Number((item.data ?? '').trim());
        if (productCode && Number.isFinite(result)) effects.appInstalls.push({ productCode, locUri, code: result });
      } else {
        effects.alerts.push({
          code,
          ...(type ? { type } : {}),
          ...(item.data !== undefined ? { data: item.data } : {}),
          ...(item.source?.locURI ? { source: item.source.locURI } : {}),
        });
      }
    }
  }
}

function collectResults(results: Results, state: SessionState, effects: IncomingEffects, context: IncomingContext): number {
  const msgId = context.msgId ?? state.lastMsgId;
  const complete: Item[] = [];
  let chunked = false;
  for (const item of results.items) {
    const uri = item.source?.locURI ?? item.target?.locURI ?? '';
    if (item.moreData) {
      state.incoming[uri] = (state.incoming[uri] ?? '') + (item.data ?? '');
      chunked = true;
      continue;
    }
    const buffered = state.incoming[uri];
    if (buffered !== undefined) {
      delete state.incoming[uri];
      complete.push({ ...item, data: buffered + (item.data ?? '') });
    } else {
      complete.push(item);
    }
  }
  if (complete.length > 0) {
    const get = state.sent[String(results.msgRef ?? msgId - 1)]?.[String(results.cmdRef)];
    const readBacks = get?.kind === 'Get' ? get.nodes.filter((n) => n.op === 'verify') : [];
    if (readBacks.length > 0) {
      // A drift-detection read: compared with what was acknowledged, never taken for inventory.
      for (const node of readBacks) {
        const item = complete.find((i) => i.data !== undefined && sameNode(i.source?.locURI ?? i.target?.locURI, node.locUri));
        if (item !== undefined) readBack(node, StatusCodes.OK, item.data, state, effects, context);
      }
      return chunked ? StatusCodes.CHUNKED_ITEM_ACCEPTED : StatusCodes.OK;
    }
    effects.results.push({ ...results, items: complete });
    // Only a complete value answers an inventory: a Get whose Results never finished did not.
    for (const node of get?.kind === 'Get' ? get.nodes : []) {
      const kind = node.inventory;
      if (kind === undefined) continue;
      const request = (state.inventory[kind] ??= { answered: false, codes: [] });
      request.answered = true;
      if (!effects.inventoryAnswered.includes(kind)) effects.inventoryAnswered.push(kind);
    }
  }
  return chunked ? StatusCodes.CHUNKED_ITEM_ACCEPTED : StatusCodes.OK;
}

/**
 * Records the device's Status for one node command, through `nodeTransition`. `held` is false for
 * a command of an Atomic that did not succeed: whatever it answered, it did not take effect.
 */
function applyStatus(sent: SentCommand, code: number, state: SessionState, effects: IncomingEffects, context: IncomingContext, held: boolean): void {
  if (sent.kind === 'Get') {
    for (const node of sent.nodes) {
      if (code >= 200 && code < 300) continue; // the Results tell
      if (node.op === 'verify') readBack(node, code, undefined, state, effects, context);
      else if (node.inventory !== undefined) (state.inventory[node.inventory] ??= { answered: false, codes: [] }).codes.push(code);
    }
    return;
  }
  if (sent.kind !== 'Add' && sent.kind !== 'Replace' && sent.kind !== 'Delete' && sent.kind !== 'Exec') return;
  const command = sent.kind;
  const intermediate = sent.chunk !== undefined && sent.chunk.index < sent.chunk.count - 1;
  const own = classifyStatus(command, code, { intermediate });
  // What took effect inside an Atomic that did not succeed was rolled back with it, and is
  // recorded as that; a command that failed on its own keeps its failure.
  const rolledBack = !held && (own === 'done' || own === 'chunk-accepted');
  const verdict = rolledBack ? 'not-applied' : own;
  if (rolledBack) code = StatusCodes.ATOMIC_ROLLBACK_OK;
  if (verdict === 'done' && code === StatusCodes.OPERATION_CANCELLED) effects.deviceStopped = true;

  if (verdict === 'chunk-accepted') {
    // Only buffered by the device: the value is decided by the Status of the last chunk.
    for (const node of sent.nodes) state.chunksAccepted[node.locUri] = (sent.chunk as { index: number }).index;
    return;
  }
  if (sent.chunk !== undefined) {
    // A large object is one value: whatever its last answer, the rest of it is not sent.
    for (const node of sent.nodes) {
      delete state.chunksAccepted[node.locUri];
      if (intermediate && !effects.abortedObjects.includes(node.locUri)) effects.abortedObjects.push(node.locUri);
    }
  }
  for (const node of sent.nodes) {
    if (node.op === 'get' || node.op === 'verify') continue;
    // An MSI node is created by Add and installed by Exec: the Add's own answer (200, or 418 when
    // the node is already there) decides nothing, the Exec that follows does.
    if (node.kind === 'msi' && command === 'Add' && !intermediate && (verdict === 'done' || code === StatusCodes.ALREADY_EXISTS)) continue;
    const next = nodeTransition(sentRecord(node, command), {
      type: 'status',
      command,
      op: node.op,
      value: node.value,
      code,
      intermediate,
      rolledBack,
      counted: node.counted === true,
      conflicted: node.conflicted === true,
      now: context.now,
      ...(context.retry ? { retry: context.retry } : {}),
    });
    if (next === null) {
      effects.nodeDeletes.push(node.locUri);
    } else {
      effects.nodeUpdates.push(rowOf(placeOf(node, state.sessionId, context.now), next));
    }
    if (verdict === 'done') markApplied(node, effects);
    if (verdict === 'failed' && ((code === StatusCodes.NOT_FOUND && command === 'Replace') || (code === StatusCodes.ALREADY_EXISTS && command === 'Add'))) {
      state.replan = true;
    }
  }
}

/** Whether a Results item's LocURI names the node (`./Vendor/MSFT/…` is `./Device/Vendor/MSFT/…`). */
function sameNode(uri: string | undefined, locUri: string): boolean {
  return uri !== undefined && normalizeOmaUri(uri) === locUri;
}

/**
 * Records what a drift-detection `Get` found (its Status code, and the value of its Results) as
 * the node's read-back transition. A node found drifted asks for a re-plan, which sends the value
 * again where remediation is on.
 */
function readBack(node: JournalNode, code: number, actual: string | undefined, state: SessionState, effects: IncomingEffects, context: IncomingContext): void {
  const prior = node.prior;
  const check = node.readBack;
  if (prior === undefined || check === undefined || node.value === null) return;
  const result = compareReadBack({ comparer: check.comparer, sent: node.value, absentIsNormal: check.absentIsNormal }, code, actual);
  const next = nodeTransition(prior.record, { type: 'read-back', result, conflicted: node.conflicted === true });
  if (next === null) return;
  const changed = next.status !== prior.record.status || next.actual !== prior.record.actual;
  const place = {
    locUri: node.locUri,
    kind: node.kind,
    sessionId: prior.sessionId,
    updatedAt: changed ? context.now : prior.updatedAt,
    checkedAt: context.now,
    policyId: node.policyId ?? null,
  };
  effects.nodeUpdates.push(rowOf(place, next));
  if (next.status === 'drifted' && changed) {
    effects.drifted.push(node.locUri);
    state.replan = true;
  }
}

function markApplied(node: PlannedNode, effects: IncomingEffects): void {
  if (node.kind === 'msi') effects.appsApplied = true;
  else effects.configApplied = true;
}

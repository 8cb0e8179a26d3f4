import { AlertCodes, StatusCodes, statusCode, type Command, type Item, type Results, type Status } from '@winmdm/syncml';
import { classifyStatus, type PlannedNode } from '@winmdm/policy';
import type { NodeStateRow } from '../store/Store.js';
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
  /** The device's message had no `<Final/>`: it has more to send in this package. */
  clientHasMore: boolean;
}

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

/**
 * Reads one incoming message against the session: matches the device's Statuses to what was sent
 * (by MsgRef/CmdRef) and turns them into node states (`classifyStatus`: only a status that means
 * the command took effect applies a node), reassembles chunked Results, and collects alerts and
 * DevInfo. Commands inside an Atomic are applied only if the Atomic itself succeeded. Pure with
 * respect to the store: it only mutates `state` (the session's journal, large-object bookkeeping
 * and inventory requests) and returns what must be written. `msgId` is the incoming message's
 * MsgID, which a `Results` without `MsgRef` refers to the answer of.
 */
export function processIncoming(
  body: readonly Command[],
  final: boolean,
  state: SessionState,
  now: string,
  msgId: number = state.lastMsgId,
): IncomingEffects {
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
    clientHasMore: !final,
  };
  const owe = (command: Command, code: number): void => {
    if (command.kind !== 'Status' && !('noResp' in command && command.noResp)) effects.statuses.push({ command, code });
  };
  /** Statuses of commands inside a container, decided once the whole message is read. */
  const inner: { sent: SentCommand; code: number; key: string }[] = [];
  /** Status codes of the containers this message answers, by journal key. */
  const containers = new Map<string, number>();

  for (const command of body) {
    switch (command.kind) {
      case 'Status': {
        if (command.cmdRef === 0) break; // the device's view of our SyncHdr
        const key = journalKey(command.msgRef, command.cmdRef);
        const sent = lookup(state, key);
        if (!sent) break; // a Status for something this session did not send: nothing to record
        const code = codeOf(command);
        if (sent.kind === 'Atomic' || sent.kind === 'Sequence') containers.set(key, code);
        else if (sent.parent !== undefined) inner.push({ sent, code, key: journalKey(command.msgRef, sent.parent) });
        else applyStatus(sent, code, state, effects, now, true);
        break;
      }
      case 'Results':
        owe(command, collectResults(command, state, effects, msgId));
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
    applyStatus(sent, code, state, effects, now, atomicHeld(state, key, containers));
  }
  return effects;
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

function collectResults(results: Results, state: SessionState, effects: IncomingEffects, msgId: number): number {
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
    effects.results.push({ ...results, items: complete });
    // Only a complete value answers an inventory: a Get whose Results never finished did not.
    const get = state.sent[String(results.msgRef ?? msgId - 1)]?.[String(results.cmdRef)];
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

function nodeRow(
  node: JournalNode,
  value: string | null,
  patch: Pick<NodeStateRow, 'status' | 'code' | 'lastCommand' | 'sessionId'>,
  now: string,
): NodeStateRow {
  return { locUri: node.locUri, kind: node.kind, value, updatedAt: now, ...patch };
}

/**
 * Records the device's Status for one node command. `held` is false for a command of an Atomic
 * that did not succeed: whatever it answered, it did not take effect.
 */
function applyStatus(sent: SentCommand, code: number, state: SessionState, effects: IncomingEffects, now: string, held: boolean): void {
  if (sent.kind === 'Get') {
    for (const node of sent.nodes) {
      if (node.inventory === undefined || (code >= 200 && code < 300)) continue;
      (state.inventory[node.inventory] ??= { answered: false, codes: [] }).codes.push(code);
    }
    return;
  }
  if (sent.kind !== 'Add' && sent.kind !== 'Replace' && sent.kind !== 'Delete' && sent.kind !== 'Exec') return;
  const intermediate = sent.chunk !== undefined && sent.chunk.index < sent.chunk.count - 1;
  let outcome = classifyStatus(sent.kind, code, { intermediate });
  if (!held && (outcome === 'done' || outcome === 'chunk-accepted')) {
    // Recorded as what it was: rolled back with its Atomic.
    outcome = 'not-applied';
    code = StatusCodes.ATOMIC_ROLLBACK_OK;
  }
  if (code === StatusCodes.OPERATION_CANCELLED) effects.deviceStopped = true;

  if (outcome === 'chunk-accepted') {
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
  const base = { lastCommand: sent.kind, sessionId: state.sessionId };
  for (const node of sent.nodes) {
    if (node.op === 'get') continue;
    // What the device holds if this command did not take effect: for a Delete, what it held.
    const kept = node.op === 'delete' ? (node.held ?? null) : node.value;
    if (outcome === 'done') {
      // An MSI node is created by Add and installed by Exec: the Add's own answer decides nothing.
      if (node.kind === 'msi' && sent.kind === 'Add') continue;
      if (node.op === 'delete') effects.nodeDeletes.push(node.locUri);
      else effects.nodeUpdates.push(nodeRow(node, node.value, { ...base, status: 'applied', code }, now));
      markApplied(node, effects);
    } else if (outcome === 'not-removable') {
      effects.nodeUpdates.push(nodeRow(node, kept, { ...base, status: 'not-removable', code }, now));
    } else if (outcome === 'not-applied') {
      // Not carried out (rolled back, not executed): sent again, like a command never sent. A
      // Delete stays a Delete to do, which the planner reads from a failed Delete.
      const status = node.op === 'delete' ? 'failed' : 'pending';
      effects.nodeUpdates.push(nodeRow(node, kept, { ...base, status, code }, now));
    } else {
      // An Add of an MSI node that already exists (418) is harmless: its Exec decides.
      if (node.kind === 'msi' && sent.kind === 'Add' && code === StatusCodes.ALREADY_EXISTS && !intermediate) continue;
      effects.nodeUpdates.push(nodeRow(node, kept, { ...base, status: 'failed', code }, now));
      if ((code === StatusCodes.NOT_FOUND && sent.kind === 'Replace') || (code === StatusCodes.ALREADY_EXISTS && sent.kind === 'Add')) {
        state.replan = true;
      }
    }
  }
}

function markApplied(node: PlannedNode, effects: IncomingEffects): void {
  if (node.kind === 'msi') effects.appsApplied = true;
  else effects.configApplied = true;
}

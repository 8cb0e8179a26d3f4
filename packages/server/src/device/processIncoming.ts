import { AlertCodes, StatusCodes, statusCode, type Command, type Item, type Results, type Status } from '@winmdm/syncml';
import type { PlannedNode } from '@winmdm/policy';
import type { NodeStateRow } from '../store/Store.js';
import type { SessionState } from './SessionState.js';

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
  /** Inventory kinds whose Gets were answered. */
  inventoryAnswered: boolean;
  /** The device's message had no `<Final/>`: it has more to send in this package. */
  clientHasMore: boolean;
}

const UNENROLL_TYPE = 'com.microsoft:mdm.unenrollment.userrequest';
const WIN32_INSTALL_TYPE = 'com.microsoft.mdm.win32csp_install';
const LOGIN_STATUS_TYPE = 'com.microsoft/MDM/LoginStatus';

function isSuccess(code: number): boolean {
  return code >= 200 && code < 300;
}

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
 * (by MsgRef/CmdRef) and turns them into node states, reassembles chunked Results, and collects
 * alerts and DevInfo. Pure with respect to the store: it only mutates `state` (the session's
 * journal and large-object buffers) and returns what must be written.
 */
export function processIncoming(
  body: readonly Command[],
  final: boolean,
  state: SessionState,
  now: string,
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
    inventoryAnswered: false,
    clientHasMore: !final,
  };
  const owe = (command: Command, code: number): void => {
    if (command.kind !== 'Status' && !('noResp' in command && command.noResp)) effects.statuses.push({ command, code });
  };

  for (const command of body) {
    switch (command.kind) {
      case 'Status':
        applyStatus(command, state, effects, now);
        break;
      case 'Results':
        owe(command, collectResults(command, state, effects));
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
  return effects;
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

function collectResults(results: Results, state: SessionState, effects: IncomingEffects): number {
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
  if (complete.length > 0) effects.results.push({ ...results, items: complete });
  return chunked ? StatusCodes.CHUNKED_ITEM_ACCEPTED : StatusCodes.OK;
}

function nodeRow(node: PlannedNode, patch: Pick<NodeStateRow, 'status' | 'code' | 'lastCommand' | 'sessionId'>, now: string): NodeStateRow {
  return { locUri: node.locUri, kind: node.kind, value: node.value, updatedAt: now, ...patch };
}

function applyStatus(status: Status, state: SessionState, effects: IncomingEffects, now: string): void {
  if (status.cmdRef === 0) return; // the device's view of our SyncHdr
  const sent = state.sent[String(status.msgRef)]?.[String(status.cmdRef)];
  if (!sent) return; // a Status for something this session did not send: nothing to record
  let code: number;
  try {
    code = statusCode(status);
  } catch {
    code = StatusCodes.COMMAND_FAILED;
  }
  if (sent.kind === 'Get') {
    effects.inventoryAnswered = true;
    return;
  }
  // A chunk other than the last is only buffered by the device; its node's fate is decided by
  // the Status of the last chunk.
  if (code === StatusCodes.CHUNKED_ITEM_ACCEPTED && sent.chunk && sent.chunk.index < sent.chunk.count - 1) return;

  // A Delete that finds nothing (404) achieved what it wanted: the node is not there.
  const succeeded = isSuccess(code) || (sent.kind === 'Delete' && code === StatusCodes.NOT_FOUND);
  for (const node of sent.nodes) {
    if (node.op === 'get') continue;
    const base = { lastCommand: sent.kind, sessionId: state.sessionId };
    if (node.op === 'delete') {
      if (succeeded) {
        effects.nodeDeletes.push(node.locUri);
        markApplied(node, effects);
      } else {
        effects.nodeUpdates.push(nodeRow(node, { ...base, status: 'failed', code }, now));
      }
      continue;
    }
    // An MSI node is created by Add and installed by Exec: the Add's own answer (200, or 418 when
    // the node is already there) decides nothing, the Exec that follows does.
    if (node.kind === 'msi' && sent.kind === 'Add' && (succeeded || code === StatusCodes.ALREADY_EXISTS)) continue;
    if (succeeded) {
      effects.nodeUpdates.push(nodeRow(node, { ...base, status: 'applied', code }, now));
      markApplied(node, effects);
    } else {
      effects.nodeUpdates.push(nodeRow(node, { ...base, status: 'failed', code }, now));
      if (
        (code === StatusCodes.NOT_FOUND && sent.kind === 'Replace') ||
        (code === StatusCodes.ALREADY_EXISTS && sent.kind === 'Add')
      ) {
        state.replan = true;
      }
    }
  }
}

function markApplied(node: PlannedNode, effects: IncomingEffects): void {
  if (node.kind === 'msi') effects.appsApplied = true;
  else effects.configApplied = true;
}

import { resolveEffectivePolicy, type ResolutionResult } from '@winmdm/policy';
import type { DeviceRow, JsonObject, StoreTx } from '../store/Store.js';
import { outstandingRefresh } from '../device/inventoryDue.js';
import { configStatusEntry } from './configStatusEntry.js';
import { loadResolveInput } from './loadResolveInput.js';

function object(value: unknown): JsonObject {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The device's acknowledged state per LocURI, as the document's `configStatus`. */
/**
 * The device's state per LocURI, as the document's `configStatus`, and the settings held back
 * after failing too often (`quarantined`: LocURI, code and its meaning, tries, since when), which
 * wait for a change of the setting or a resend.
 */
async function nodeStatus(tx: StoreTx, deviceId: string): Promise<{ configStatus: JsonObject; quarantined: JsonObject[] }> {
  const configStatus: JsonObject = {};
  const quarantined: JsonObject[] = [];
  for (const node of await tx.getNodeStates(deviceId)) {
    const entry = configStatusEntry(node);
    configStatus[node.locUri] = entry;
    if (node.status === 'quarantined') {
      quarantined.push({ locUri: node.locUri, ...(entry['code'] !== undefined ? { code: entry['code'], meaning: entry['meaning'] } : {}), tries: node.tries, since: node.updatedAt });
    }
  }
  return { configStatus, quarantined };
}

/**
 * The full device document in the upstream API's shape (the seed's response `data`): the stored
 * document merged with what check-ins reported, the base policy (`winPolicy`), the assignments and
 * enforced assignments with their embedded policies, and `deviceWinPolicy` from
 * `resolveEffectivePolicy`. Also returns the resolution for callers that need more of it.
 */
export async function deviceDocument(tx: StoreTx, row: DeviceRow): Promise<{ document: JsonObject; resolution: ResolutionResult }> {
  const input = await loadResolveInput(tx, row);
  const resolution = resolveEffectivePolicy(input);
  const policies = new Map(input.policies.map((p) => [p.id, p]));
  const doc = row.doc;
  const report = row.report;
  const user = input.device.mdmUser;
  const enrollment = object(report['enrollment']);
  const base = typeof doc['winPolicyId'] === 'string' ? policies.get(doc['winPolicyId']) : undefined;

  const document: JsonObject = {
    ...doc,
    id: row.id,
    organizationId: row.organizationId,
    ...(row.winId ? { winId: row.winId } : {}),
    ...(user ? { mdmUser: { id: user.id, email: user.email } } : {}),
    state: typeof enrollment['state'] === 'string' ? enrollment['state'] : (doc['state'] ?? 'ACTIVE'),
    config: object(doc['config']),
    configDates: { ...object(doc['configDates']), ...object(report['configDates']) },
    summary: { ...object(doc['summary']), ...object(report['summary']) },
    scripts: Array.isArray(doc['scripts']) ? doc['scripts'] : (resolution.deviceWinPolicy.scripts ?? []),
    ...(report['lastStatusReportTime'] ? { lastStatusReportTime: report['lastStatusReportTime'] } : {}),
    type: doc['type'] ?? 'windows',
    ...(base ? { winPolicy: base } : {}),
    deviceWinPolicy: resolution.deviceWinPolicy,
    winPolicyAssignments: list(doc['winPolicyAssignments']).map((a) => {
      const assignment = object(a);
      const policy = policies.get(assignment['winPolicyId'] as string);
      return { ...assignment, ...(policy ? { winPolicy: policy } : {}) };
    }),
    winPolicyAssignmentsEnforced: resolution.winPolicyAssignmentsEnforced.map((e) => {
      const policy = policies.get(e.winPolicyId);
      return { ...e, ...(policy ? { winPolicy: policy } : {}) };
    }),
    subType: doc['subType'] ?? 'device',
    stateHistory: [...list(doc['stateHistory']), ...list(report['stateHistory'])],
    refreshInfoNeeded: outstandingRefresh(row, row.report),
    ...(await nodeStatus(tx, row.id)),
    ...(report['loginStatus'] ? { loginStatus: report['loginStatus'] } : {}),
    ...(report['applicationStatus'] ? { applicationStatus: report['applicationStatus'] } : {}),
  };
  delete document['mdmUserId'];
  return { document, resolution };
}

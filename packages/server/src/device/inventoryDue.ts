import type { DeviceRow, JsonObject } from '../store/Store.js';
import type { InventoryRequest } from './SessionState.js';

/** The inventories the server collects with `Get` (the upstream `refreshInfoNeeded` values). */
export type InventoryKind = 'hardware' | 'applications';

const KINDS: readonly InventoryKind[] = ['hardware', 'applications'];

/** Sessions in a row an inventory may fail (no Results at all) before it waits for the interval or a new request. */
export const MAX_INVENTORY_ATTEMPTS = 3;

/** When each inventory was last collected, and at which revision of the device document. */
export interface InventoryRecord {
  at: string;
  revision: number;
}

/**
 * An inventory asked for in sessions that brought back no Results (every Get failed): how many in
 * a row, when the last one ended, at which document revision, and the codes its Gets got.
 */
export interface InventoryFailure {
  attempts: number;
  at: string;
  revision: number;
  codes: number[];
}

function inventoryOf(report: JsonObject): Partial<Record<InventoryKind, InventoryRecord>> {
  return (report['inventory'] ?? {}) as Partial<Record<InventoryKind, InventoryRecord>>;
}

/** The report's failed inventories (`inventoryFailures`), by kind. */
export function inventoryFailuresOf(report: JsonObject): Partial<Record<InventoryKind, InventoryFailure>> {
  return (report['inventoryFailures'] ?? {}) as Partial<Record<InventoryKind, InventoryFailure>>;
}

/**
 * The refresh requests of the API (`refreshInfoNeeded`) that no inventory has answered yet: a
 * request is fulfilled once per document revision, and only by Results that arrived.
 */
export function outstandingRefresh(device: DeviceRow, report: JsonObject): string[] {
  const requested = Array.isArray(device.doc['refreshInfoNeeded']) ? (device.doc['refreshInfoNeeded'] as unknown[]) : [];
  const inventory = inventoryOf(report) as Partial<Record<string, InventoryRecord>>;
  return requested.filter((kind): kind is string => typeof kind === 'string' && (inventory[kind]?.revision ?? 0) < device.revision);
}

/**
 * The inventories to refresh at this check-in: the outstanding refresh requests, and those older
 * than the interval (or never collected). An inventory that failed {@link MAX_INVENTORY_ATTEMPTS}
 * sessions in a row waits until the interval has passed since the last attempt or the document
 * changed (a new request), so that a device which cannot answer is not asked at every check-in.
 */
export function inventoryDue(device: DeviceRow, report: JsonObject, now: Date, intervalMs: number): InventoryKind[] {
  const inventory = inventoryOf(report);
  const failures = inventoryFailuresOf(report);
  const requested = outstandingRefresh(device, report);
  return KINDS.filter((kind) => {
    const last = inventory[kind];
    const wanted = !last || requested.includes(kind) || now.getTime() - Date.parse(last.at) >= intervalMs;
    if (!wanted) return false;
    const failed = failures[kind];
    const resting =
      failed !== undefined &&
      failed.attempts >= MAX_INVENTORY_ATTEMPTS &&
      failed.revision === device.revision &&
      now.getTime() - Date.parse(failed.at) < intervalMs;
    return !resting;
  });
}

/**
 * The report after a session ended: every inventory the session asked for and got no complete
 * Results for counts one more failed attempt (with the codes of its Gets). Answered inventories
 * were recorded when their Results arrived.
 */
export function recordInventoryFailures(
  report: JsonObject,
  requests: Partial<Record<InventoryKind, InventoryRequest>>,
  context: { now: string; revision: number },
): JsonObject {
  const unanswered = KINDS.filter((kind) => requests[kind] !== undefined && !requests[kind].answered);
  if (unanswered.length === 0) return report;
  const failures: Partial<Record<InventoryKind, InventoryFailure>> = { ...inventoryFailuresOf(report) };
  for (const kind of unanswered) {
    const previous = failures[kind];
    failures[kind] = {
      attempts: (previous?.attempts ?? 0) + 1,
      at: context.now,
      revision: context.revision,
      codes: [...new Set((requests[kind] as InventoryRequest).codes)].sort((a, b) => a - b),
    };
  }
  return { ...report, inventoryFailures: failures };
}

import type { DeviceRow, JsonObject } from '../store/Store.js';

/** The inventories the server collects with `Get` (the upstream `refreshInfoNeeded` values). */
export type InventoryKind = 'hardware' | 'applications';

const KINDS: readonly InventoryKind[] = ['hardware', 'applications'];

/** When each inventory was last collected, and at which revision of the device document. */
export interface InventoryRecord {
  at: string;
  revision: number;
}

function inventoryOf(report: JsonObject): Partial<Record<InventoryKind, InventoryRecord>> {
  return (report['inventory'] ?? {}) as Partial<Record<InventoryKind, InventoryRecord>>;
}

/**
 * The refresh requests of the API (`refreshInfoNeeded`) that no inventory has answered yet: a
 * request is fulfilled once per document revision.
 */
export function outstandingRefresh(device: DeviceRow, report: JsonObject): string[] {
  const requested = Array.isArray(device.doc['refreshInfoNeeded']) ? (device.doc['refreshInfoNeeded'] as unknown[]) : [];
  const inventory = inventoryOf(report) as Partial<Record<string, InventoryRecord>>;
  return requested.filter((kind): kind is string => typeof kind === 'string' && (inventory[kind]?.revision ?? 0) < device.revision);
}

/**
 * The inventories to refresh at this check-in: the outstanding refresh requests, and those older
 * than the interval (or never collected).
 */
export function inventoryDue(device: DeviceRow, report: JsonObject, now: Date, intervalMs: number): InventoryKind[] {
  const inventory = inventoryOf(report);
  const requested = outstandingRefresh(device, report);
  return KINDS.filter((kind) => {
    const last = inventory[kind];
    return !last || requested.includes(kind) || now.getTime() - Date.parse(last.at) >= intervalMs;
  });
}

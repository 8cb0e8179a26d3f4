import type { DeviceRow, JsonObject } from '../store/Store.js';

/** The inventories the server collects with `Get` (the upstream `refreshInfoNeeded` values). */
export type InventoryKind = 'hardware' | 'applications';

const KINDS: readonly InventoryKind[] = ['hardware', 'applications'];

/** When each inventory was last collected, and at which revision of the device document. */
export interface InventoryRecord {
  at: string;
  revision: number;
}

/**
 * The inventories to refresh at this check-in: those the API asked for (`refreshInfoNeeded`)
 * since they were last collected — a request is fulfilled once per document revision — and those
 * older than the interval (or never collected).
 */
export function inventoryDue(device: DeviceRow, report: JsonObject, now: Date, intervalMs: number): InventoryKind[] {
  const requested = Array.isArray(device.doc['refreshInfoNeeded']) ? (device.doc['refreshInfoNeeded'] as unknown[]) : [];
  const inventory = (report['inventory'] ?? {}) as Partial<Record<InventoryKind, InventoryRecord>>;
  return KINDS.filter((kind) => {
    const last = inventory[kind];
    if (!last) return true;
    if (requested.includes(kind) && last.revision < device.revision) return true;
    return now.getTime() - Date.parse(last.at) >= intervalMs;
  });
}

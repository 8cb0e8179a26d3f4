import type { JsonObject } from '../store/Store.js';

/**
 * A device's drift-detection rounds, in its report (`verification`): whether any of its settings
 * is in scope, when the current round began and when the last one was completed (every node in
 * scope read back once).
 */
export interface VerificationRecord {
  enabled: boolean;
  roundStartedAt?: string;
  completedAt?: string;
}

/** The report's verification record, if the device was ever planned with drift detection. */
export function verificationOf(report: JsonObject): VerificationRecord | undefined {
  const value = report['verification'];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as unknown as VerificationRecord) : undefined;
}

/**
 * The start of the read-back round to go on with at this check-in (`since`: nodes read back after
 * it are done), or undefined when none is due: a round that is not complete goes on; a complete
 * one is followed by a new one once `intervalMs` has passed since it was completed. At most once
 * per interval per device, and never on a device with nothing in scope.
 */
export function verificationDue(report: JsonObject, now: Date, intervalMs: number, enabled: boolean): string | undefined {
  if (!enabled) return undefined;
  const record = verificationOf(report);
  if (record?.roundStartedAt === undefined) return now.toISOString();
  if (record.completedAt === undefined || record.completedAt < record.roundStartedAt) return record.roundStartedAt;
  return now.getTime() - Date.parse(record.completedAt) >= intervalMs ? now.toISOString() : undefined;
}

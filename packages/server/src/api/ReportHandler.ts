import type { Caller } from './authenticate.js';

/** Applies a report that a sync agent posts for a device (`POST /mdm/windows/devices/{id}/reports`). */
export interface ReportHandler {
  /** Validates and applies the report; resolves to what the API answers in `data`. */
  accept(caller: Caller, deviceId: string, body: unknown): Promise<unknown>;
}

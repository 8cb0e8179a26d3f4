import type { Status } from './SyncMLMessage.js';
import { SyncMLStatusCodeError } from './SyncMLError.js';

/**
 * The numeric status code of a `Status` (its `Data`, which the AST keeps as sent, e.g. `"200"`).
 *
 * @throws {SyncMLStatusCodeError} (`ERR_SYNCML_STATUS_CODE`) when `Data` is not a decimal integer.
 *
 * @example
 * ```ts
 * const ok = statusCode(status) >= 200 && statusCode(status) < 300;
 * ```
 */
export function statusCode(status: Status): number {
  const text = status.data.trim();
  if (!/^[0-9]{1,9}$/.test(text)) {
    throw new SyncMLStatusCodeError(
      `Status ${status.cmdId} (for ${status.cmd} ${status.cmdRef} of message ${status.msgRef}) has Data "${status.data}", not a status code`,
    );
  }
  return Number(text);
}

import { StatusCodes } from './StatusCodes.js';

const MEANINGS: ReadonlyMap<number, string> = new Map<number, string>([
  [StatusCodes.OK, 'OK'],
  [StatusCodes.ACCEPTED, 'accepted, running asynchronously'],
  [StatusCodes.AUTHENTICATION_ACCEPTED, 'authentication accepted'],
  [StatusCodes.CHUNKED_ITEM_ACCEPTED, 'chunk accepted, send the next'],
  [StatusCodes.OPERATION_CANCELLED, 'done, session cancelled'],
  [StatusCodes.NOT_EXECUTED, 'not executed: cancelled by the user'],
  [StatusCodes.ATOMIC_ROLLBACK_OK, 'rolled back (Atomic failed)'],
  [StatusCodes.BAD_REQUEST, 'bad request'],
  [StatusCodes.INVALID_CREDENTIALS, 'invalid credentials'],
  [StatusCodes.FORBIDDEN, 'forbidden'],
  [StatusCodes.NOT_FOUND, 'node not found'],
  [StatusCodes.COMMAND_NOT_ALLOWED, 'not allowed (read-only node?)'],
  [StatusCodes.OPTIONAL_FEATURE_NOT_SUPPORTED, 'not supported by the CSP'],
  [StatusCodes.UNSUPPORTED_TYPE_OR_FORMAT, 'unsupported type or format'],
  [StatusCodes.ALREADY_EXISTS, 'already exists'],
  [StatusCodes.PERMISSION_DENIED, 'permission denied (ACL)'],
  [StatusCodes.COMMAND_FAILED, 'command failed'],
  [StatusCodes.ATOMIC_FAILED, 'Atomic failed'],
  [StatusCodes.ATOMIC_ROLLBACK_FAILED, 'Atomic failed, not rolled back'],
]);

/**
 * A short meaning of a SyncML status code, for people reading a device's state: the codes of
 * {@link StatusCodes} by name; other codes by their class (`2xx` success, `4xx` refused by the
 * device, `5xx` failed on the device); `undefined` outside 100-599.
 *
 * @example
 * ```ts
 * statusCodeMeaning(404); // 'node not found'
 * statusCodeMeaning(409); // 'refused by the device (409)'
 * ```
 */
export function statusCodeMeaning(code: number): string | undefined {
  const known = MEANINGS.get(code);
  if (known !== undefined) return known;
  if (!Number.isInteger(code) || code < 100 || code > 599) return undefined;
  if (code < 300) return `success (${code})`;
  if (code < 400) return `redirected (${code})`;
  if (code < 500) return `refused by the device (${code})`;
  return `failed on the device (${code})`;
}

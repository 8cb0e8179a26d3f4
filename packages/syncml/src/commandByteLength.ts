import type { Command, SyncHdr } from './SyncMLMessage.js';
import { withCharCheck } from './checkMessage.js';
import { MESSAGE_START, writeCommand, writeHeader } from './serializeMessage.js';
import { utf8ByteLength } from './utf8ByteLength.js';

/**
 * The UTF-8 byte length of one command as {@link serializeMessage} writes it inside `SyncBody`.
 * Lets a planner pack commands under a device's `MaxMsgSize` without serializing whole messages
 * again and again: a message's size is `envelopeByteLength(header, final)` plus the sum of its
 * commands' `commandByteLength`.
 *
 * It measures only: CmdIDs and numbers are validated when the message is serialized.
 *
 * @throws {SyncMLInvalidCharError} (`ERR_SYNCML_INVALID_CHAR`) for a string XML 1.0 cannot carry,
 * with a path starting at `command`.
 *
 * @example
 * ```ts
 * let budget = maxMsgSize - envelopeByteLength(header, true);
 * const batch = [];
 * for (const command of pending) {
 *   const size = commandByteLength(command);
 *   if (size > budget) break;
 *   batch.push(command);
 *   budget -= size;
 * }
 * ```
 */
export function commandByteLength(command: Command): number {
  return utf8ByteLength(withCharCheck({ command }, () => writeCommand(command)));
}

const BODY_OVERHEAD = utf8ByteLength(`${MESSAGE_START}<SyncBody></SyncBody></SyncML>`);
const FINAL = utf8ByteLength('<Final/>');

/**
 * The UTF-8 byte length of everything in a serialized message except its commands: XML declaration,
 * root element, `SyncHdr`, the `SyncBody` tags and, when `final`, `<Final/>`. Exact for any message
 * with at least one command (an entirely empty body is written `<SyncBody/>`, 11 bytes shorter).
 *
 * @throws {SyncMLInvalidCharError} (`ERR_SYNCML_INVALID_CHAR`) for a header string XML 1.0 cannot carry.
 *
 * @example
 * ```ts
 * const size = envelopeByteLength(m.header, m.final) + m.body.reduce((n, c) => n + commandByteLength(c), 0);
 * ```
 */
export function envelopeByteLength(header: SyncHdr, final: boolean): number {
  const message = { header, body: [], final };
  return BODY_OVERHEAD + utf8ByteLength(withCharCheck(message, () => writeHeader(header))) + (final ? FINAL : 0);
}

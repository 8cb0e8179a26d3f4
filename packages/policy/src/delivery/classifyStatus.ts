/** The commands whose Status changes what the server knows about a node. */
export type NodeCommand = 'Add' | 'Replace' | 'Delete' | 'Exec';

/**
 * What a device's Status says about the node a command was sent for:
 *
 * - `done`: the command did what it was sent to do (a value set, an install started, a node deleted
 *   or found absent by a Delete);
 * - `chunk-accepted`: a large-object chunk other than the last was buffered (213, or 200 where a
 *   device sends that); nothing is applied yet, the next chunk may follow;
 * - `not-removable`: a Delete the CSP refuses (403, 405, 406, 425): the node stays on the device;
 * - `not-applied`: the command was not carried out, through no fault of its own (216 rolled back
 *   inside a failed Atomic, 215 not executed);
 * - `failed`: anything else — every error code, and every success code that does not mean the
 *   command took effect (213 for a whole value or a last chunk, 1xx, 212).
 */
export type StatusOutcome = 'done' | 'chunk-accepted' | 'not-removable' | 'not-applied' | 'failed';

/**
 * The success codes that mean a command took effect (OMA-DM 1.2 representation protocol): 200 OK,
 * 201 item added, 202 accepted for processing (Windows: an asynchronous CSP or an MSI install
 * started), 203 non-authoritative, 204 no content, 205 reset content, 214 completed (and the
 * device processes nothing more in this session). 213 (chunk buffered), 215 (not executed) and
 * 216 (rolled back) are 2xx too, and mean the opposite.
 */
const TOOK_EFFECT: ReadonlySet<number> = new Set([200, 201, 202, 203, 204, 205, 214]);
/** A Delete also achieved what it wanted when the node was not there: 210 (deleted without archive), 211 (not deleted: not found), 404. */
const DELETE_ALSO_DONE: ReadonlySet<number> = new Set([210, 211, 404]);
/** A Delete the device refuses to carry out (Forbidden, Command not allowed, Optional feature not supported, Permission denied). */
const DELETE_REFUSED: ReadonlySet<number> = new Set([403, 405, 406, 425]);
const NOT_CARRIED_OUT: ReadonlySet<number> = new Set([215, 216]);
const CHUNK_BUFFERED = 213;
const OK = 200;

/**
 * Classifies the device's Status `code` for `command` (DESIGN §6: a node is applied on what the
 * device confirmed, never on what was sent). `chunk` is set for a large-object chunk other than the
 * last: only 213 (or 200) lets the next chunk follow; any other answer fails the whole value, since
 * a large object is one value. The last chunk is classified like a whole command (its 2xx covers
 * the reassembled value; a 213 there means the device is still waiting for data that never comes).
 *
 * The one place where a status code becomes a verdict about a node.
 *
 * @example
 * ```ts
 * classifyStatus('Replace', 216);                      // 'not-applied' (rolled back), never 'done'
 * classifyStatus('Delete', 404);                       // 'done': the node is not there
 * classifyStatus('Delete', 405);                       // 'not-removable'
 * classifyStatus('Replace', 213, { intermediate: true }); // 'chunk-accepted'
 * classifyStatus('Replace', 213);                      // 'failed': a whole value left incomplete
 * ```
 */
export function classifyStatus(command: NodeCommand, code: number, chunk?: { intermediate: boolean }): StatusOutcome {
  if (NOT_CARRIED_OUT.has(code)) return 'not-applied';
  if (chunk?.intermediate === true) return code === CHUNK_BUFFERED || code === OK ? 'chunk-accepted' : 'failed';
  if (TOOK_EFFECT.has(code)) return 'done';
  if (command === 'Delete') {
    if (DELETE_ALSO_DONE.has(code)) return 'done';
    if (DELETE_REFUSED.has(code)) return 'not-removable';
  }
  return 'failed';
}

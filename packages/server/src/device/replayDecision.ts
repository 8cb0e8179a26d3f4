import type { LoggedExchange } from '../store/Store.js';

/**
 * What to do with a device message whose (SessionID, MsgID) the log already holds:
 * - `replay`: it is a retry; answer the logged bytes again and change nothing;
 * - `process`: it is a new message that happens to reuse the numbers (a client that restarted its
 *   counter, a new session with an old SessionID): serve it afresh;
 * - `expired`: it repeats a message of the current session from longer ago than a retry can be;
 * - `session-over`: it repeats a message of a session the device has since left.
 */
export type ReplayDecision = 'replay' | 'process' | 'expired' | 'session-over';

/** What {@link replayDecision} looks at. */
export interface ReplayInput {
  /** The logged exchange of the same device, SessionID and MsgID, if any. */
  logged: LoggedExchange | undefined;
  /** SHA-256 of the incoming body. */
  requestSha256: string;
  sessionId: string;
  msgId: number;
  /** Whether the message carries Alert 1201/1200 (a session starts with it). */
  startsSession: boolean;
  /** The device's latest session and the highest MsgID processed in it. */
  current: { sessionId: string; lastMsgId: number } | undefined;
  now: Date;
  /** How long after its answer a message may still be a retry. */
  windowMs: number;
}

/**
 * Decides whether a device message is a retry. A retry is the same message of the device's
 * *current* session sent again shortly after: its body hash matches the log, its session is the
 * device's latest, its MsgID was processed in that session (a log entry with a higher MsgID is a
 * leftover of an earlier session that used the same SessionID), and it is recent. A
 * session-starting message is replayed only while nothing later of its session was processed: once
 * the session has moved on, the same first message can only be a new session that reuses the ID.
 */
export function replayDecision(input: ReplayInput): ReplayDecision {
  const { logged, current } = input;
  if (logged === undefined || logged.requestSha256 !== input.requestSha256) return 'process';
  const ageMs = input.now.getTime() - Date.parse(logged.createdAt);
  // An unreadable time counts as too old: replaying a stale answer is the failure this guards against.
  const recent = Number.isFinite(ageMs) && ageMs <= input.windowMs;
  const latest = current !== undefined && current.sessionId === input.sessionId;
  if (input.startsSession) return recent && latest && current.lastMsgId === input.msgId ? 'replay' : 'process';
  if (!latest) return 'session-over';
  if (input.msgId > current.lastMsgId) return 'process';
  return recent ? 'replay' : 'expired';
}

import type { Command, CommandKind } from '@winmdm/syncml';
import type { PlannedNode } from '@winmdm/policy';

/** A command the server sent, remembered until the device's Status for it arrives. */
export interface SentCommand {
  kind: CommandKind;
  nodes: PlannedNode[];
  chunk?: { index: number; count: number };
}

/** A planned command waiting in the session's queue. */
export interface QueuedCommand {
  command: Command;
  nodes: PlannedNode[];
  chunk?: { index: number; count: number };
}

/**
 * The server side of one OMA-DM session, stored as JSON in `sessions.state` and rewritten in the
 * same transaction as every other change of a message. Because it lives in the store, any
 * replica can serve the next message of a session, and a crash loses nothing committed.
 */
export interface SessionState {
  sessionId: string;
  /** The highest MsgID processed in this session. */
  lastMsgId: number;
  startedAt: string;
  /** The device's MaxMsgSize (from its SyncHdr Meta; Windows' default when absent). */
  maxMsgSize: number;
  /** What was sent, by the MsgID of the server's message and then by CmdID (the device's MsgRef/CmdRef). */
  sent: Record<string, Record<string, SentCommand>>;
  /** Planned messages not sent yet. */
  queue: QueuedCommand[][];
  /** The desired-state fingerprint the queue was planned from, or null when nothing was planned yet. */
  planFingerprint: string | null;
  /** Whether the resolution behind the plan was complete (no missing policy or catalog). */
  planComplete: boolean;
  /** A node failed with 404 after Replace or 418 after Add: plan again when the queue runs dry. */
  replan: boolean;
  /** Plans made in this session; bounded, so that a node answering 404 and 418 in turn cannot loop. */
  plans: number;
  /** Inventory kinds whose Gets were sent in this session. */
  inventoryRequested: ('hardware' | 'applications')[];
  /** Large objects the device is sending in chunks, by LocURI. */
  incoming: Record<string, string>;
  /** Nodes removed from the device in this session (reported upstream in sync agent mode). */
  removed: string[];
  /**
   * What the session's log line counts: commands sent, and the device's statuses for them by class
   * (`2xx`, `4xx`, ...). Absent in sessions stored by an older version.
   */
  counts?: { commands: number; statuses: Record<string, number> };
}

/** A fresh session state. */
export function newSessionState(sessionId: string, startedAt: string, maxMsgSize: number): SessionState {
  return {
    sessionId,
    lastMsgId: 0,
    startedAt,
    maxMsgSize,
    sent: {},
    queue: [],
    planFingerprint: null,
    planComplete: true,
    replan: false,
    plans: 0,
    inventoryRequested: [],
    incoming: {},
    removed: [],
    counts: { commands: 0, statuses: {} },
  };
}

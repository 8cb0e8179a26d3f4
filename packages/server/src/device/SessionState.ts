import type { Command, CommandKind } from '@winmdm/syncml';
import type { NodeRecord, PlannedNode } from '@winmdm/policy';

/**
 * A node a command acts on, as the session remembers it: the planned node, and what its Status
 * needs to become the node's next state without reading the store: for a `Delete` the value the
 * device holds until the Delete is confirmed (what it still holds when it refuses); the tries of
 * the value at the time of the plan and whether a failure was already counted in this session;
 * the policy the value comes from and whether policies of equal priority disagree about it.
 */
export type JournalNode = PlannedNode & {
  held?: string | null;
  tries?: number;
  counted?: boolean;
  policyId?: string;
  conflicted?: boolean;
  /** For a read-back Get: the node's state when it was planned, which the read-back moves on from. */
  prior?: { record: NodeRecord; sessionId: string | null; updatedAt: string };
};

/** A command the server sent, remembered until the device's Status for it arrives. */
export interface SentCommand {
  kind: CommandKind;
  nodes: JournalNode[];
  chunk?: { index: number; count: number };
  /** The CmdID of the Atomic or Sequence this command was sent in. */
  parent?: number;
}

/** A planned command waiting in the session's queue. */
export interface QueuedCommand {
  command: Command;
  nodes: JournalNode[];
  chunk?: { index: number; count: number };
}

/** An inventory the session asked for: whether a complete Results arrived, and the codes of its Gets that failed. */
export interface InventoryRequest {
  answered: boolean;
  codes: number[];
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
  /**
   * What the plan's desired state references and could not deliver (a missing policy, application
   * or ADMX file; an application without an allowed version): reasons the device is not compliant
   * (see `deviceCompliance`). Absent in sessions stored by an older version, and when nothing is.
   */
  unresolved?: { setting: string; meaning: string }[];
  /** A node failed with 404 after Replace or 418 after Add: plan again when the queue runs dry. */
  replan: boolean;
  /** Plans made in this session; bounded, so that a node answering 404 and 418 in turn cannot loop. */
  plans: number;
  /** The inventories planned in this session. */
  inventory: Partial<Record<'hardware' | 'applications', InventoryRequest>>;
  /** Large objects the device is sending in chunks, by LocURI. */
  incoming: Record<string, string>;
  /**
   * Large objects the server is sending: by state key, the index of the last chunk the device
   * accepted (213 or 200). The next chunk goes out only after that acknowledgement.
   */
  chunksAccepted: Record<string, number>;
  /** The largest object the device accepts (`MaxObjSize` of its SyncHdr Meta), if it said. */
  maxObjSize?: number;
  /** The read-back round this session works on (its start), and how many nodes in scope it leaves for later sessions. */
  verifyRound?: { since: string; remaining: number };
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
    inventory: {},
    incoming: {},
    chunksAccepted: {},
    removed: [],
    counts: { commands: 0, statuses: {} },
  };
}

/**
 * A stored session state, with the defaults of fields a session stored by an earlier version of
 * the server does not have (a server upgraded in the middle of a device's session).
 */
export function restoreSessionState(stored: SessionState, startedAt: string, maxMsgSize: number): SessionState {
  return { ...newSessionState(stored.sessionId, startedAt, maxMsgSize), ...stored };
}

/** Whether `node` is what `command` acts on: its state key is the command's target or below it (an MSI product's Delete). */
function targets(command: Command, node: JournalNode): boolean {
  if (!('items' in command)) return false;
  return command.items.some((item) => {
    const uri = item.target?.locURI;
    return uri !== undefined && (node.locUri === uri || node.locUri.startsWith(`${uri}/`));
  });
}

/**
 * The journal entries for the commands one answer carries (`command` as sent, numbered): one per command,
 * and for an Atomic or Sequence one per command inside it too, each with the nodes it acts on and
 * the CmdID of its container, so that their Statuses can be told apart and an Atomic's outcome
 * can overrule its commands' own.
 */
export function journalEntries(sent: readonly { command: Command; queued: QueuedCommand }[]): Record<string, SentCommand> {
  const journal: Record<string, SentCommand> = {};
  const add = (command: Command, nodes: JournalNode[], parent: number | undefined, chunk: QueuedCommand['chunk']): void => {
    const entry: SentCommand = { kind: command.kind, nodes };
    if (chunk) entry.chunk = chunk;
    if (parent !== undefined) entry.parent = parent;
    journal[String(command.cmdId)] = entry;
    if (command.kind === 'Atomic' || command.kind === 'Sequence') {
      entry.nodes = [];
      for (const inner of command.commands) add(inner, nodes.filter((n) => targets(inner, n) || containsTarget(inner, n)), command.cmdId, undefined);
    }
  };
  for (const { command, queued } of sent) add(command, queued.nodes, undefined, queued.chunk);
  return journal;
}

function containsTarget(command: Command, node: JournalNode): boolean {
  return (command.kind === 'Atomic' || command.kind === 'Sequence') && command.commands.some((c) => targets(c, node) || containsTarget(c, node));
}

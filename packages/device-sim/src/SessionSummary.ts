import type { CommandKind } from '@winmdm/syncml';

/** One command of a server message, as the summary shows it. */
export interface ReceivedCommand {
  kind: CommandKind;
  cmdId: number;
  /** The Target LocURI of the command's first item, when it has one. */
  locUri?: string;
  /** The first item's Data (an Alert's code), when there is one. Shared with the message, not copied. */
  data?: string;
}

/** The commands of one server message (Status elements left out; nested commands follow their container). */
export interface ReceivedMessage {
  /** The server's MsgID. */
  msgId: number;
  commands: ReceivedCommand[];
}

/** One Status the device sent. */
export interface SentStatus {
  /** The CmdID it answers; 0 for the server's SyncHdr. */
  cmdRef: number;
  /** `SyncHdr`, `Replace`, `Get`, ... */
  cmd: string;
  code: number;
  /** The first TargetRef, when there is one. */
  locUri?: string;
}

/** One alert the device sent. */
export interface SentAlert {
  /** 1201, 1224, 1226, 1222, ... */
  code: number;
  /** The first item's Meta Type (`com.microsoft/MDM/LoginStatus`, ...), when there is one. */
  type?: string;
}

/** One message the device sent. */
export interface SentMessage {
  /** The device's MsgID (1, 2, ... within the session). */
  msgId: number;
  statuses: SentStatus[];
  /** How many `Results` the message carried (each chunk of a large object counts once). */
  results: number;
  alerts: SentAlert[];
  /** Whether the message ended with `<Final/>` (false while the device sends a large object in parts). */
  final: boolean;
}

/**
 * What happened in one OMA-DM session, from the device's side: every server message's commands and
 * every device message's statuses. Enough for a human-readable report
 * ({@link formatSessionSummary}) and for a test to assert on.
 */
export interface SessionSummary {
  /** The SessionID (decimal, like Windows: counting up per simulated device). */
  sessionId: string;
  /** How many messages the device sent (= HTTP round trips). */
  messages: number;
  /** The server messages, in order. */
  received: ReceivedMessage[];
  /** The device messages, in order (the first is the session start). */
  sent: SentMessage[];
  /** How many commands of each kind the server sent in the session (nested ones included, Status excluded). */
  commandsReceived: Partial<Record<CommandKind, number>>;
  /**
   * How the session ended: `server-done` when the server's last message carried only Status (or
   * the server answered with an empty body), `server-abort` when it sent Alert 1223 (session abort).
   */
  ended: 'server-done' | 'server-abort';
}

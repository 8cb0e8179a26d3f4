import {
  AlertCodes,
  commandByteLength,
  envelopeByteLength,
  renumberCommands,
  type Command,
  type Status,
  type SyncHdr,
  type SyncMLMessage,
} from '@winmdm/syncml';
import type { OwedStatus } from './processIncoming.js';
import type { QueuedCommand } from './SessionState.js';

/** The header of the server's answer: SessionID and MsgID echoed, Target and Source swapped. */
export function responseHeader(request: SyncHdr, serverUrl: string, maxMsgSize: number): SyncHdr {
  return {
    verDTD: '1.2',
    verProto: 'DM/1.2',
    sessionId: request.sessionId,
    msgId: request.msgId,
    target: { locURI: request.source.locURI },
    source: { locURI: request.target.locURI || serverUrl },
    // Tells the device how large its own messages may be, so that it chunks large Results.
    meta: { maxMsgSize },
  };
}

/** The Status for the SyncHdr (CmdRef 0), always the first command of an answer. */
export function headerStatus(request: SyncHdr, code: number): Status {
  return {
    kind: 'Status',
    cmdId: 1,
    msgRef: request.msgId,
    cmdRef: 0,
    cmd: 'SyncHdr',
    targetRefs: [request.target.locURI],
    sourceRefs: [request.source.locURI],
    data: String(code),
    items: [],
  };
}

function statusFor(request: SyncHdr, owed: OwedStatus): Status {
  return {
    kind: 'Status',
    cmdId: 0,
    msgRef: request.msgId,
    cmdRef: owed.command.cmdId,
    cmd: owed.command.kind,
    targetRefs: [],
    sourceRefs: [],
    data: String(owed.code),
    items: [],
  };
}

/** An answer ready to serialise, with the queued commands it carries (renumbered). */
export interface ComposedResponse {
  message: SyncMLMessage;
  /** The queued commands in the answer, with the commands as sent (numbered) and their CmdIDs. */
  sent: { cmdId: number; command: Command; queued: QueuedCommand }[];
  /** Commands that did not fit and go back to the front of the queue as their own message. */
  overflow: QueuedCommand[];
}

/**
 * Builds the server's answer: Status for the SyncHdr, a Status for every incoming command that
 * needs one (in order), then the planned commands that fit the device's MaxMsgSize, then
 * `<Final/>` — unless the last command is a large-object chunk with more to come, or the device
 * still has more to send (then the answer asks for it with Alert 1222 and carries no command).
 * With `abort`, the answer carries Alert 1223 (session abort) instead of any command.
 */
export function composeResponse(
  request: SyncHdr,
  owed: readonly OwedStatus[],
  planned: readonly QueuedCommand[],
  options: { serverUrl: string; maxMsgSize: number; acceptMsgSize: number; clientHasMore: boolean; abort?: boolean },
): ComposedResponse {
  const header = responseHeader(request, options.serverUrl, options.acceptMsgSize);
  let id = 0;
  const next = (): number => ++id;
  const body: Command[] = [{ ...headerStatus(request, 200), cmdId: next() }];
  for (const o of owed) body.push({ ...statusFor(request, o), cmdId: next() });

  if (options.abort === true) {
    // Alert 1223: the session ends here, whatever either side still had to send.
    body.push({ kind: 'Alert', cmdId: next(), data: String(AlertCodes.SESSION_ABORT), items: [] });
    return { message: { header, body, final: true }, sent: [], overflow: [...planned] };
  }

  if (options.clientHasMore) {
    body.push({
      kind: 'Alert',
      cmdId: next(),
      data: String(AlertCodes.NEXT_MESSAGE),
      items: [{ target: { locURI: request.source.locURI }, source: { locURI: header.source.locURI } }],
    });
    return { message: { header, body, final: true }, sent: [], overflow: [...planned] };
  }

  let budget = options.maxMsgSize - envelopeByteLength(header, true);
  for (const c of body) budget -= commandByteLength(c);
  const sent: ComposedResponse['sent'] = [];
  // Numbered after the Statuses; what overflows goes back to the queue unnumbered.
  const numbered = renumberCommands(
    planned.map((q) => q.command),
    id + 1,
  );
  let overflowAt = planned.length;
  for (let i = 0; i < planned.length; i++) {
    const queued = planned[i] as QueuedCommand;
    const command = numbered[i] as Command;
    const size = commandByteLength(command);
    // The first planned command always goes out: the planner sized it for a message of its own.
    if (sent.length > 0 && size > budget) {
      overflowAt = i;
      break;
    }
    budget -= size;
    body.push(command);
    sent.push({ cmdId: command.cmdId, command, queued });
  }
  const last = sent.at(-1)?.queued.chunk;
  const moreChunks = last !== undefined && last.index < last.count - 1;
  return {
    message: { header, body, final: !moreChunks },
    sent,
    overflow: planned.slice(overflowAt),
  };
}

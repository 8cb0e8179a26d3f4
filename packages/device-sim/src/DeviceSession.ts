import { AlertCodes, StatusCodes, type Alert, type Command, type Item, type Results, type Status, type SyncHdr, type SyncMLMessage } from '@winmdm/syncml';
import type { DeviceModel } from './DeviceModel.js';
import { packCommands } from './packCommands.js';
import type { ReceivedCommand, ReceivedMessage, SentMessage, SessionSummary } from './SessionSummary.js';

/** What one session needs to know besides the model. */
export interface DeviceSessionOptions {
  sessionId: string;
  /** The device's id: the SyncHdr Source. */
  winId: string;
  /** The server URI: the SyncHdr Target (Windows writes the URL without its query string). */
  serverUri: string;
  /** Announced in the first message's header Meta; Windows does not send it. */
  maxMsgSize?: number;
  /** The LoginStatus alert's Data (`user`, `others`, `none`, `unknown`). */
  loginStatus: string;
  /** Whether the first message carries the user's unenrollment request (Alert 1226). */
  unenroll: boolean;
}

const LOGIN_STATUS_TYPE = 'com.microsoft/MDM/LoginStatus';
const WIN32_INSTALL_TYPE = 'Reversed-Domain-Name:com.microsoft.mdm.win32csp_install';
const UNENROLL_TYPE = 'com.microsoft:mdm.unenrollment.userrequest';
const DEV_INFO = ['./DevInfo/DevId', './DevInfo/Man', './DevInfo/Mod', './DevInfo/DmV', './DevInfo/Lang'] as const;

function alert(code: number, items: Item[]): Alert {
  return { kind: 'Alert', cmdId: 0, data: String(code), items };
}

/**
 * The device's side of one OMA-DM session, without the network: builds the first message, answers
 * each server message through the {@link DeviceModel}, packs answers under the server's MaxMsgSize
 * (sending large Results in chunks over several messages) and records the summary. Pure: the
 * simulator does the HTTP. Internal to the package.
 */
export class DeviceSession {
  readonly #model: DeviceModel;
  readonly #options: DeviceSessionOptions;
  #msgId = 0;
  /** Commands that did not fit in the last message (the rest of a large object). */
  #pending: Command[] = [];
  #serverMaxMsgSize: number | undefined;
  readonly #received: ReceivedMessage[] = [];
  readonly #sent: SentMessage[] = [];
  #ended: SessionSummary['ended'] | undefined;

  constructor(model: DeviceModel, options: DeviceSessionOptions) {
    this.#model = model;
    this.#options = options;
  }

  /** How many messages the device has built so far. */
  get messagesSent(): number {
    return this.#msgId;
  }

  /** Whether the device still has parts of a message to send. */
  get hasPending(): boolean {
    return this.#pending.length > 0;
  }

  /**
   * The session's first message, in the dialect of a real Windows device: Alert 1201 (CmdID 2),
   * Alert 1224 LoginStatus (CmdID 3), Replace of the five DevInfo nodes (CmdID 4), then one Alert
   * 1224 per MSI install finished since the last session and, when asked, the unenrollment Alert 1226.
   */
  firstMessage(): SyncMLMessage {
    const reports = this.#model.beginSession();
    const body: Command[] = [
      { kind: 'Alert', cmdId: 2, data: String(AlertCodes.CLIENT_INITIATED_MGMT), items: [] },
      {
        kind: 'Alert',
        cmdId: 3,
        data: String(AlertCodes.CLIENT_EVENT),
        items: [{ meta: { type: LOGIN_STATUS_TYPE }, data: this.#options.loginStatus }],
      },
    ];
    const devInfo: Item[] = [];
    for (const uri of DEV_INFO) {
      const value = this.#model.get(uri);
      if (value !== undefined) devInfo.push({ source: { locURI: uri }, data: value });
    }
    body.push({ kind: 'Replace', cmdId: 4, items: devInfo });
    let cmdId = 5;
    for (const report of reports) {
      body.push({
        ...alert(AlertCodes.CLIENT_EVENT, [
          {
            source: { locURI: report.locUri },
            meta: { type: WIN32_INSTALL_TYPE, format: 'int', mark: 'informational' },
            data: String(report.result),
          },
        ]),
        cmdId: cmdId++,
      });
    }
    if (this.#options.unenroll) {
      body.push({
        ...alert(AlertCodes.GENERIC_ALERT, [{ meta: { type: UNENROLL_TYPE, format: 'int' }, data: '1' }]),
        cmdId: cmdId++,
      });
    }
    const message: SyncMLMessage = { header: this.#header(), body, final: true };
    if (this.#options.maxMsgSize !== undefined) message.header.meta = { maxMsgSize: this.#options.maxMsgSize };
    this.#record(message);
    return message;
  }

  /**
   * Answers one server message. Returns the device's next message, or `undefined` when the
   * session is over: the server sent nothing but Status (and `<Final/>`) and the device has
   * nothing left to send, or the server aborted (Alert 1223).
   */
  receive(message: SyncMLMessage): SyncMLMessage | undefined {
    const msgRef = message.header.msgId;
    if (message.header.meta?.maxMsgSize !== undefined) this.#serverMaxMsgSize = message.header.meta.maxMsgSize;
    const statuses: Command[] = [
      { kind: 'Status', cmdId: 0, msgRef, cmdRef: 0, cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: String(StatusCodes.OK), items: [] },
    ];
    const results: Results[] = [];
    const commands: ReceivedCommand[] = [];
    let abort = false;
    for (const command of message.body) {
      if (command.kind === 'Status') continue;
      describe(command, commands);
      if (command.kind === 'Alert' && Number(command.data) === AlertCodes.SESSION_ABORT) {
        abort = true;
        continue;
      }
      const answer = this.#model.apply(command, { msgRef });
      for (const s of answer.statuses) statuses.push(s);
      for (const r of answer.results) results.push(r);
    }
    this.#received.push({ msgId: msgRef, commands });
    if (abort) {
      this.#ended = 'server-abort';
      return undefined;
    }
    if (commands.length === 0 && message.final && this.#pending.length === 0) {
      this.#ended = 'server-done';
      return undefined;
    }
    // Windows' order: all Statuses, then Results; what is left of an earlier large object goes
    // before this message's Results so that chunks stay in order.
    const queue: Command[] = statuses;
    for (const c of this.#pending) queue.push(c);
    for (const r of results) queue.push(r);
    // The server's package is not complete: ask for its next message.
    if (!message.final) queue.push(alert(AlertCodes.NEXT_MESSAGE, []));
    const header = this.#header();
    const { body, rest } = packCommands(header, queue, this.#serverMaxMsgSize);
    this.#pending = rest;
    const reply: SyncMLMessage = { header, body, final: rest.length === 0 };
    this.#record(reply);
    return reply;
  }

  /** Ends the session on an empty HTTP 200 answer (how the real transcript's server closed it). */
  endByEmptyAnswer(): void {
    this.#ended = 'server-done';
  }

  /** The session so far; complete once `receive` returned `undefined`. */
  summary(): SessionSummary {
    const commandsReceived: Partial<Record<Command['kind'], number>> = {};
    for (const message of this.#received) {
      for (const c of message.commands) commandsReceived[c.kind] = (commandsReceived[c.kind] ?? 0) + 1;
    }
    return {
      sessionId: this.#options.sessionId,
      messages: this.#sent.length,
      received: this.#received,
      sent: this.#sent,
      commandsReceived,
      ended: this.#ended ?? 'server-done',
    };
  }

  #header(): SyncHdr {
    return {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionId: this.#options.sessionId,
      msgId: ++this.#msgId,
      target: { locURI: this.#options.serverUri },
      source: { locURI: this.#options.winId },
    };
  }

  #record(message: SyncMLMessage): void {
    const sent: SentMessage = { msgId: message.header.msgId, statuses: [], results: 0, alerts: [], final: message.final };
    for (const c of message.body) {
      if (c.kind === 'Status') sent.statuses.push(sentStatus(c));
      else if (c.kind === 'Results') sent.results++;
      else if (c.kind === 'Alert') {
        const type = c.items[0]?.meta?.type;
        sent.alerts.push(type === undefined ? { code: Number(c.data) } : { code: Number(c.data), type });
      }
    }
    this.#sent.push(sent);
  }
}

function sentStatus(s: Status): SentMessage['statuses'][number] {
  const locUri = s.targetRefs[0];
  const entry = { cmdRef: s.cmdRef, cmd: s.cmd, code: Number(s.data) };
  return locUri === undefined ? entry : { ...entry, locUri };
}

/** Appends the summary entries of `command` (and of the commands nested in it) to `into`. */
function describe(command: Command, into: ReceivedCommand[]): void {
  const entry: ReceivedCommand = { kind: command.kind, cmdId: command.cmdId };
  if (command.kind === 'Atomic' || command.kind === 'Sequence') {
    into.push(entry);
    for (const inner of command.commands) if (inner.kind !== 'Status') describe(inner, into);
    return;
  }
  if (command.kind === 'Status') return;
  const item = command.items[0];
  const locUri = item?.target?.locURI ?? item?.source?.locURI;
  if (locUri !== undefined) entry.locUri = locUri;
  const data = command.kind === 'Alert' ? command.data : item?.data;
  if (data !== undefined) entry.data = data;
  into.push(entry);
}

import { randomInt } from 'node:crypto';
import { serializeMessage, StatusCodes, type SyncMLMessage } from '@winmdm/syncml';
import { DEFAULT_ADD_ONLY, DEFAULT_READ_ONLY, DeviceModel, MSI_ROOTS } from './DeviceModel.js';
import { DeviceSession } from './DeviceSession.js';
import { LeanDeviceUnsupportedError, SimulatorHttpError, SimulatorProtocolError, SimulatorSessionLimitError } from './DeviceSimError.js';
import { DeviceTransport, type TransportOptions } from './DeviceTransport.js';
import { DEFAULT_INVENTORY } from './defaultInventory.js';
import { isAtOrBelow, normalizeLocUri } from './normalizeLocUri.js';

/** Options of {@link LeanDevice}. */
export interface LeanDeviceOptions extends TransportOptions {
  /** The device's id: the SyncHdr Source of its messages. */
  winId: string;
  /**
   * The read-only nodes `Get` reads, as {@link DeviceModelOptions.inventory}. Default
   * {@link DEFAULT_INVENTORY}; `./DevInfo/DevId` is always `winId`, as in the simulator.
   */
  inventory?: Readonly<Record<string, string>>;
  /** Device messages allowed per session before it fails with `ERR_SIM_SESSION_LIMIT`. Default 50. */
  maxMessages?: number;
  /** The SessionID of the first session, counting up from it; default random below 1,000,000, as in the simulator. */
  firstSessionId?: number;
}

/** What one session of a {@link LeanDevice} did. */
export interface LeanSessionResult {
  sessionId: string;
  /** Messages the device sent (the first one included). */
  messages: number;
  /** Commands the server sent (Status and Results not counted). */
  commands: number;
}

/** The subtrees a {@link DeviceModel} refuses to change by default (405), normalised. */
const READ_ONLY = DEFAULT_READ_ONLY.map(normalizeLocUri);
/** The subtrees where a `Replace` of a missing node answers 404 in the model: stateful, so not lean. */
const ADD_ONLY = DEFAULT_ADD_ONLY.map(normalizeLocUri);

const DEV_ID = './DevInfo/DevId';
/** The interior nodes every model has (Windows' MSI inventory nodes); a lean device installs nothing, so they stay empty. */
const EMPTY_INTERIOR = MSI_ROOTS;

/** What a model seeded with one inventory answers to Get and Replace, prepared once per inventory. */
interface InventoryTable {
  /** The rest of a Results `<Item>` after its Source LocURI, by normalised LocURI (DevId aside: it is per device). */
  results: Map<string, string>;
  /** The interior nodes above the inventory leaves, normalised (they exist in every model). */
  interior: Set<string>;
  /** The inventory leaves outside the read-only subtrees: nothing can be created below them. */
  exposedLeaves: string[];
}

/** Inventory tables by inventory object: a load test builds thousands of devices over one inventory. */
const tables = new WeakMap<object, InventoryTable>();

function inventoryTable(inventory: Readonly<Record<string, string>>): InventoryTable {
  const cached = tables.get(inventory);
  if (cached !== undefined) return cached;
  const table: InventoryTable = { results: new Map(), interior: new Set(), exposedLeaves: [] };
  const leaves = [DEV_ID];
  for (const [uri, value] of Object.entries(inventory)) {
    const key = normalizeLocUri(uri);
    if (key === DEV_ID) continue;
    table.results.set(key, resultsItemTail(uri, value));
    leaves.push(key);
  }
  for (const leaf of leaves) {
    if (!READ_ONLY.some((prefix) => isAtOrBelow(leaf, prefix))) table.exposedLeaves.push(leaf);
    for (let slash = leaf.lastIndexOf('/'); slash > 1; slash = leaf.lastIndexOf('/', slash - 1)) table.interior.add(leaf.slice(0, slash));
  }
  // Answered like the model answers an interior node without children: Format node, no names.
  for (const uri of EMPTY_INTERIOR) table.results.set(uri, resultsItemTail(uri, '', 'node'));
  tables.set(inventory, table);
  return table;
}

/** What the simulator writes after a Results item's Source LocURI for a node holding `value` (Meta Format, Data). */
function resultsItemTail(locUri: string, value: string, format = 'chr'): string {
  const written = serializeMessage({
    header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: '1', msgId: 1, target: { locURI: 'x' }, source: { locURI: 'x' } },
    body: [
      {
        kind: 'Results',
        cmdId: 1,
        msgRef: 1,
        cmdRef: 1,
        cmd: 'Get',
        targetRefs: [],
        sourceRefs: [],
        items: [{ source: { locURI: locUri }, meta: { format }, data: value }],
      },
    ],
    final: true,
  });
  const item = written.slice(written.indexOf('<Item>'), written.lastIndexOf('</Results>'));
  return item.slice(item.indexOf('</LocURI>'));
}

/** Where one session of a {@link LeanDevice} is: what {@link LeanDevice.answer} reads and advances. */
export interface LeanExchange {
  sessionId: string;
  /** The MsgID of the device's last message (1 after the first message). */
  msgId: number;
  /** The server's MaxMsgSize, once its header announced one. */
  maxMsgSize?: number;
}

/** The first message's SessionID as it is written in the template, replaced per session. */
const SESSION_PLACEHOLDER = '<SessionID>1</SessionID>';

/**
 * A load generator that answers like {@link DeviceSimulator} at a fraction of its cost, so that a
 * benchmark's client does not cap what it measures: no parsing into an AST, no device model, no
 * serializer — string scanning of the server's message and string building of the answer.
 *
 * What it understands is the shape winmdm's endpoint sends a converged or enrolling device:
 * `Replace` (answered 200, or 405 under the read-only inventory subtrees, like the model), `Get`
 * of inventory nodes (200 and a `Results` item from `inventory`; a node it does not hold 404),
 * `Alert` (200; 1223 ends the session), and `Status`/`Results` (no answer). Everything whose answer
 * depends on what the device already holds — `Add` (418 when it exists), `Delete` (404 when it
 * does not), `Exec`, `Atomic`, `Sequence`, `Copy`, large objects (`MoreData`) — fails the session
 * with `ERR_SIM_LEAN_UNSUPPORTED` rather than being answered wrongly; run a {@link DeviceSimulator}
 * for those. The equivalence with the simulator on this shape is a test (`lean.test.ts`): for the
 * same server messages, both send byte-identical answers.
 *
 * It relies on the server writing SyncML the way `serializeMessage` does (no whitespace between
 * elements, LocURIs in `<Target><LocURI>`): LocURIs are echoed as the server escaped them.
 *
 * @example
 * ```ts
 * const device = new LeanDevice({ url: 'http://127.0.0.1:8080/ManagementServer/MDM.svc', winId: 'WIN-1', dispatcher });
 * const { messages } = await device.runSession();
 * ```
 */
export class LeanDevice {
  /** The device's id (SyncHdr Source). */
  readonly winId: string;
  readonly #transport: DeviceTransport;
  readonly #maxMessages: number;
  readonly #firstSessionId: number;
  /** The first message as the simulator writes it, with SessionID 1 (replaced per session). */
  readonly #first: string;
  /** The reply header up to its MsgID element's content, and after it. */
  readonly #headHead: string;
  readonly #headTail: string;
  readonly #table: InventoryTable;
  /** The Results item tail of `./DevInfo/DevId` (the device's own id). */
  readonly #devId: string;
  #sessions = 0;
  #busy = false;

  constructor(options: LeanDeviceOptions) {
    this.#transport = new DeviceTransport(options, 'LeanDevice');
    if (options.winId === '') throw new TypeError('LeanDevice: winId must not be empty');
    if (options.maxMessages !== undefined && (!Number.isSafeInteger(options.maxMessages) || options.maxMessages < 1)) {
      throw new RangeError(`LeanDevice: maxMessages must be a positive integer, got ${String(options.maxMessages)}`);
    }
    this.winId = options.winId;
    this.#maxMessages = options.maxMessages ?? 50;
    if (options.firstSessionId !== undefined && (!Number.isSafeInteger(options.firstSessionId) || options.firstSessionId < 1)) {
      throw new RangeError(`LeanDevice: firstSessionId must be a positive integer, got ${String(options.firstSessionId)}`);
    }
    this.#firstSessionId = options.firstSessionId ?? randomInt(1, 1_000_000);
    const inventory = options.inventory ?? DEFAULT_INVENTORY;
    this.#table = inventoryTable(inventory);
    this.#devId = resultsItemTail(DEV_ID, options.winId);
    // The fixed parts are written by the simulator's own session and serializer, so that they
    // cannot drift from what the simulator sends. Only DevInfo is read for the first message.
    const devInfo: Record<string, string> = {};
    for (const uri of Object.keys(inventory)) if (uri.startsWith('./DevInfo/')) devInfo[uri] = inventory[uri] as string;
    const session = new DeviceSession(new DeviceModel({ devId: options.winId, inventory: devInfo }), {
      sessionId: '1',
      winId: options.winId,
      serverUri: this.#transport.serverUri,
      loginStatus: 'user',
      unenroll: false,
    });
    this.#first = serializeMessage(session.firstMessage());
    const reply = serializeMessage({
      header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: 'S', msgId: 1, target: { locURI: this.#transport.serverUri }, source: { locURI: options.winId } },
      body: [],
      final: true,
    });
    const headerEnd = reply.indexOf('</SyncHdr>') + '</SyncHdr>'.length;
    const [before, after] = reply.slice(0, headerEnd).split('<SessionID>S</SessionID><MsgID>1</MsgID>') as [string, string];
    this.#headHead = before;
    this.#headTail = after;
  }

  /** How many sessions this device has started. */
  get sessions(): number {
    return this.#sessions;
  }

  /**
   * Runs one session: the simulator's first message, then an answer to every server message that
   * carries commands, until the server sends only Status.
   *
   * @throws {LeanDeviceUnsupportedError} (`ERR_SIM_LEAN_UNSUPPORTED`) when the server sends something outside the lean shape.
   * @throws {SimulatorHttpError}, {SimulatorProtocolError}, {SimulatorNetworkError}, {SimulatorSessionLimitError}, as the simulator does.
   */
  async runSession(): Promise<LeanSessionResult> {
    if (this.#busy) throw new SimulatorProtocolError(`LeanDevice ${this.winId} is already in a session`);
    this.#busy = true;
    const sessionId = String(this.#firstSessionId + this.#sessions++);
    const connection = this.#transport.session();
    try {
      const exchange: LeanExchange = { sessionId, msgId: 1 };
      let outgoing: string | undefined = this.firstMessage(sessionId);
      let commands = 0;
      while (outgoing !== undefined) {
        const response = await this.#transport.post(connection.dispatcher, outgoing);
        if (response.status !== 200) throw SimulatorHttpError.of(response);
        if (response.body.trim() === '') break;
        const answer = this.answer(response.body, exchange);
        commands += answer.commands;
        outgoing = answer.reply;
        if (outgoing !== undefined && exchange.msgId > this.#maxMessages) {
          throw new SimulatorSessionLimitError(`The server was still sending commands after ${this.#maxMessages} messages of session ${sessionId}`);
        }
      }
      return { sessionId, messages: exchange.msgId, commands };
    } finally {
      this.#busy = false;
      await connection.end();
    }
  }

  /** The session's first message, byte-identical to the simulator's (no install reports, no unenrollment). */
  firstMessage(sessionId: string): string {
    return this.#first.replace(SESSION_PLACEHOLDER, `<SessionID>${sessionId}</SessionID>`);
  }

  /**
   * The device's next message of `exchange` in answer to one server message (advancing
   * `exchange.msgId`), or no reply when the session is over; `commands` counts the server's commands.
   *
   * @throws {LeanDeviceUnsupportedError} for anything outside the lean shape (see the class).
   * @throws {SimulatorProtocolError} when the message is for another session or not SyncML as winmdm writes it.
   */
  answer(text: string, exchange: LeanExchange): { reply: string | undefined; commands: number } {
    const { sessionId } = exchange;
    const session = between(text, '<SessionID>', '</SessionID>', 0);
    if (session === undefined) throw new SimulatorProtocolError('The server\'s answer has no SessionID');
    if (session.value !== sessionId) {
      throw new SimulatorProtocolError(`The server answered in session "${session.value}"; the device is in session "${sessionId}"`);
    }
    const msgRef = between(text, '<MsgID>', '</MsgID>', session.end)?.value;
    const bodyStart = text.indexOf('<SyncBody>');
    if (msgRef === undefined || bodyStart === -1) throw new SimulatorProtocolError('The server\'s answer is not SyncML as winmdm writes it');
    const announced = between(text.slice(0, bodyStart), '<MaxMsgSize xmlns="syncml:metinf">', '</MaxMsgSize>', 0)?.value;
    if (announced !== undefined) exchange.maxMsgSize = Number(announced);
    const refs = `<MsgRef>${msgRef}</MsgRef><CmdRef>`;
    let statuses = `<Status><CmdID>1</CmdID>${refs}0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>`;
    let results = '';
    let cmdId = 2;
    /** Results wait for their CmdIDs until every Status is numbered (Windows' order). */
    const pending: { cmdRef: string; item: string }[] = [];
    let commands = 0;
    let final = false;
    let at = bodyStart + '<SyncBody>'.length;
    const closings = new Closings(text);
    for (;;) {
      if (text.startsWith('</SyncBody>', at)) break;
      if (text.startsWith('<Final/>', at)) {
        final = true;
        at += '<Final/>'.length;
        continue;
      }
      const nameEnd = text.indexOf('>', at);
      if (text.charCodeAt(at) !== 60 || nameEnd === -1) throw new SimulatorProtocolError(`Unexpected text at offset ${at} of the server's answer`);
      const name = text.slice(at + 1, nameEnd);
      const close = `</${name}>`;
      const end = closings.find(close, nameEnd);
      if (end === -1) throw new SimulatorProtocolError(`The server's <${name}> is not closed`);
      const next = end + close.length;
      if (name === 'Status' || name === 'Results') {
        at = next;
        continue;
      }
      commands++;
      const element = text.slice(at, next);
      const cmdRef = between(element, '<CmdID>', '</CmdID>', 0)?.value;
      if (cmdRef === undefined) throw new SimulatorProtocolError(`A <${name}> of the server has no CmdID`);
      if (element.includes('<NoResp/>') || element.includes('<MoreData/>')) {
        throw new LeanDeviceUnsupportedError(`<${name}> ${cmdRef} uses NoResp or MoreData; run a DeviceSimulator for it`);
      }
      if (name === 'Alert') {
        const data = between(element, '<Data>', '</Data>', 0)?.value;
        if (Number(data) === 1223) return { reply: undefined, commands };
        statuses += `<Status><CmdID>${cmdId++}</CmdID>${refs}${cmdRef}</CmdRef><Cmd>Alert</Cmd><Data>200</Data></Status>`;
      } else if (name === 'Replace' || name === 'Get') {
        const targets = locUris(element);
        if (targets.length === 0) throw new LeanDeviceUnsupportedError(`<${name}> ${cmdRef} has an item without a Target; run a DeviceSimulator for it`);
        const codes = targets.map((uri) => (name === 'Replace' ? this.#replaceCode(uri, cmdRef) : this.#getCode(uri, cmdRef)));
        if (codes.some((c) => c !== codes[0])) throw new LeanDeviceUnsupportedError(`<${name}> ${cmdRef}: its items end differently`);
        const code = codes[0] as number;
        if (name === 'Get' && code === StatusCodes.OK) {
          let items = '';
          for (const uri of targets) items += `<Item><Source><LocURI>${uri}${this.#result(normalizeLocUri(uri)) as string}`;
          pending.push({ cmdRef, item: items });
        }
        let targetRefs = '';
        for (const uri of targets) targetRefs += `<TargetRef>${uri}</TargetRef>`;
        statuses += `<Status><CmdID>${cmdId++}</CmdID>${refs}${cmdRef}</CmdRef><Cmd>${name}</Cmd>${targetRefs}<Data>${code}</Data></Status>`;
      } else {
        throw new LeanDeviceUnsupportedError(`<${name}> ${cmdRef}: its answer depends on what the device holds; run a DeviceSimulator for it`);
      }
      at = next;
    }
    if (commands === 0 && final) return { reply: undefined, commands };
    for (const { cmdRef, item } of pending) {
      results += `<Results><CmdID>${cmdId++}</CmdID>${refs}${cmdRef}</CmdRef><Cmd>Get</Cmd>${item}</Results>`;
    }
    const more = final ? '' : `<Alert><CmdID>${cmdId}</CmdID><Data>1222</Data></Alert>`;
    const msgId = ++exchange.msgId;
    const reply = `${this.#headHead}<SessionID>${sessionId}</SessionID><MsgID>${msgId}</MsgID>${this.#headTail}<SyncBody>${statuses}${results}${more}<Final/></SyncBody></SyncML>`;
    // The simulator would split what does not fit (large Results): not lean.
    if (exchange.maxMsgSize !== undefined && Buffer.byteLength(reply) > exchange.maxMsgSize) {
      throw new LeanDeviceUnsupportedError(`The answer to message ${msgRef} does not fit the server's MaxMsgSize (${exchange.maxMsgSize} bytes)`);
    }
    return { reply, commands };
  }

  /**
   * The model's answer to a Replace of `uri` as far as it does not depend on what the session
   * wrote: the inventory and its subtrees are read-only (405), a node below a leaf cannot exist
   * (405), anything else is created or set (200). Add-only subtrees (404 for a missing instance)
   * depend on the device's state: not lean.
   */
  #replaceCode(uri: string, cmdRef: string): number {
    const key = normalizeLocUri(uri);
    const { interior, exposedLeaves } = this.#table;
    if (READ_ONLY.some((prefix) => isAtOrBelow(key, prefix)) || this.#result(key) !== undefined || interior.has(key)) return StatusCodes.COMMAND_NOT_ALLOWED;
    if (ADD_ONLY.some((prefix) => isAtOrBelow(key, prefix))) {
      throw new LeanDeviceUnsupportedError(`<Replace> ${cmdRef} of ${uri}: its answer depends on what the device holds`);
    }
    for (const leaf of exposedLeaves) if (isAtOrBelow(key, leaf)) return StatusCodes.COMMAND_NOT_ALLOWED;
    return StatusCodes.OK;
  }

  /** The model's answer to a Get of `uri`: an inventory leaf is found, another node is not; interior nodes are not lean. */
  #getCode(uri: string, cmdRef: string): number {
    const key = normalizeLocUri(uri);
    if (this.#result(key) !== undefined) return StatusCodes.OK;
    if (this.#table.interior.has(key)) throw new LeanDeviceUnsupportedError(`<Get> ${cmdRef} of the interior node ${uri}: run a DeviceSimulator for it`);
    return StatusCodes.NOT_FOUND;
  }

  /** The tail of the Results item of an inventory leaf (normalised LocURI), if the device has it. */
  #result(key: string): string | undefined {
    return key === DEV_ID ? this.#devId : this.#table.results.get(key);
  }

  /** Closes the device's own connections (a shared `dispatcher` stays open). */
  close(): Promise<void> {
    return this.#transport.close();
  }
}

/**
 * Finds closing tags outside CDATA sections (a value's payload may hold any markup). It remembers
 * where the next CDATA section is, so a message without any is scanned for one once, not once per
 * command.
 */
class Closings {
  readonly #text: string;
  #cdata = -2;

  constructor(text: string) {
    this.#text = text;
  }

  /** Where `close` starts at or after `from`, outside CDATA, or -1. */
  find(close: string, from: number): number {
    const text = this.#text;
    let at = from;
    for (;;) {
      const end = text.indexOf(close, at);
      if (this.#cdata !== -1 && this.#cdata < at) this.#cdata = text.indexOf('<![CDATA[', at);
      if (end === -1 || this.#cdata === -1 || this.#cdata > end) return end;
      const cdataEnd = text.indexOf(']]>', this.#cdata);
      if (cdataEnd === -1) return -1;
      at = cdataEnd + 3;
    }
  }
}

function between(text: string, open: string, close: string, from: number): { value: string; end: number } | undefined {
  const start = text.indexOf(open, from);
  if (start === -1) return undefined;
  const end = text.indexOf(close, start + open.length);
  if (end === -1) return undefined;
  return { value: text.slice(start + open.length, end), end: end + close.length };
}

/** The Target LocURIs of a command's items, as written. */
function locUris(element: string): string[] {
  const uris: string[] = [];
  const open = '<Target><LocURI>';
  for (let at = element.indexOf(open); at !== -1; at = element.indexOf(open, at)) {
    const start = at + open.length;
    const end = element.indexOf('</LocURI>', start);
    if (end === -1) break;
    uris.push(element.slice(start, end));
    at = end;
  }
  return uris;
}

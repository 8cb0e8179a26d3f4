/**
 * Turns fast-xml-parser's ordered tree (`preserveOrder: true`) of a document that `scanXml` already
 * accepted into the typed AST, validating SyncML rules on the way. Internal to the package.
 */
import type {
  Alert,
  Atomic,
  Command,
  Cred,
  Exec,
  Item,
  ItemCommand,
  Location,
  Meta,
  Results,
  Sequence,
  Status,
  SyncHdr,
  SyncMLMessage,
} from './SyncMLMessage.js';
import {
  SyncMLCmdIdDuplicateError,
  SyncMLCmdIdInvalidError,
  SyncMLCmdIdMissingError,
  SyncMLDuplicateElementError,
  SyncMLInvalidContentError,
  SyncMLInvalidNumberError,
  SyncMLMissingElementError,
  SyncMLMsgIdError,
  SyncMLNamespaceError,
  SyncMLRootError,
  SyncMLStatusRefError,
  SyncMLUnknownElementError,
  SyncMLVersionError,
} from './SyncMLError.js';
import { decodeReferences, isXmlWhitespace, trimXml } from './xmlChars.js';

/** One entry of fast-xml-parser's ordered output: an element, a text node or a CDATA node. */
export type FxpNode = { [key: string]: unknown };

const TEXT = '#text';
const CDATA = '#cdata';
const ATTRS = ':@';
const XMLNS = '@_xmlns';

export const SYNCML_NS = 'SYNCML:SYNCML1.2';
export const METINF_NS = 'syncml:metinf';

const METINF_NAMES = new Set(['Format', 'Type', 'Mark', 'Size', 'MaxObjSize', 'MaxMsgSize', 'NextNonce', 'Version']);

/** The element name of a node, or undefined for text and CDATA nodes. */
function nameOf(node: FxpNode): string | undefined {
  for (const key in node) {
    if (key === ATTRS) continue;
    return key === TEXT || key === CDATA ? undefined : key;
  }
  return undefined;
}

function childrenOf(node: FxpNode, name: string): FxpNode[] {
  return node[name] as FxpNode[];
}

/**
 * Checks an element's default namespace declaration, if it has one. SyncML messages only ever
 * declare the SyncML namespace and, on Meta children, `syncml:metinf`; both compare
 * case-insensitively because Windows and the specification spell them differently.
 */
function checkNamespace(node: FxpNode, name: string, allowed: readonly string[], path: string): void {
  const attrs = node[ATTRS] as Record<string, string> | undefined;
  if (attrs === undefined) return;
  const raw = attrs[XMLNS];
  if (raw === undefined || allowed.includes(raw)) return; // the usual spelling, without decoding
  const ns = trimXml(decodeReferences(raw));
  const upper = ns.toUpperCase();
  if (allowed.some((a) => a.toUpperCase() === upper)) return;
  throw new SyncMLNamespaceError(
    `<${name}> at ${path} declares namespace "${ns}"; expected ${allowed.map((a) => `"${a}"`).join(' or ')}`,
    { path },
  );
}

const IN_SYNCML = [SYNCML_NS];
const IN_METINF = [METINF_NS];
const IN_META = [METINF_NS, SYNCML_NS];

/** Character data of a leaf element: text decoded, CDATA verbatim, trimmed; child elements refused. */
function leafText(node: FxpNode, name: string, path: string): string {
  const children = childrenOf(node, name);
  let out = '';
  for (const child of children) {
    const text = child[TEXT];
    if (typeof text === 'string') {
      out += decodeReferences(text);
      continue;
    }
    const cdata = child[CDATA] as FxpNode[] | undefined;
    if (cdata !== undefined) {
      out += (cdata[0]?.[TEXT] as string | undefined) ?? '';
      continue;
    }
    throw new SyncMLInvalidContentError(
      `<${name}> at ${path} must hold text, but contains the element <${nameOf(child) ?? '?'}>`,
      { path },
    );
  }
  return trimXml(out);
}

/** An empty marker element (`Final`, `NoResp`, `MoreData`); character data in it is ignored. */
function flag(node: FxpNode, name: string, path: string): true {
  for (const child of childrenOf(node, name)) {
    const inner = nameOf(child);
    if (inner !== undefined) {
      throw new SyncMLInvalidContentError(`<${name}> at ${path} must be empty, but contains <${inner}>`, { path });
    }
  }
  return true;
}

/**
 * The `Data` payload. fast-xml-parser hands it over unparsed (a stop node), so that XML payloads
 * survive byte for byte: raw child elements keep their XML text; otherwise text is decoded, CDATA
 * taken verbatim, comments dropped and, when CDATA is present, the whitespace-only text that
 * pretty-printing puts around it dropped.
 */
function dataText(node: FxpNode): string {
  const raw = (childrenOf(node, 'Data')[0]?.[TEXT] as string | undefined) ?? '';
  if (!raw.includes('<')) return decodeReferences(raw);
  const texts: string[] = [];
  const isCdata: boolean[] = [];
  let pos = 0;
  for (;;) {
    const lt = raw.indexOf('<', pos);
    if (lt === -1) {
      texts.push(raw.slice(pos));
      isCdata.push(false);
      break;
    }
    if (lt > pos) {
      texts.push(raw.slice(pos, lt));
      isCdata.push(false);
    }
    if (raw.startsWith('<![CDATA[', lt)) {
      const end = raw.indexOf(']]>', lt + 9);
      if (end === -1) return raw;
      texts.push(raw.slice(lt + 9, end));
      isCdata.push(true);
      pos = end + 3;
    } else if (raw.startsWith('<!--', lt)) {
      const end = raw.indexOf('-->', lt + 4);
      if (end === -1) return raw;
      pos = end + 3;
    } else if (raw.startsWith('<?', lt)) {
      const end = raw.indexOf('?>', lt + 2);
      if (end === -1) return raw;
      pos = end + 2;
    } else {
      return raw; // a raw child element: the payload is XML and stays as written
    }
  }
  const hasCdata = isCdata.includes(true);
  let out = '';
  for (let i = 0; i < texts.length; i++) {
    const piece = texts[i] ?? '';
    if (isCdata[i] === true) out += piece;
    else if (!hasCdata || !isXmlWhitespace(piece)) out += decodeReferences(piece);
  }
  return out;
}

function duplicate(name: string, path: string): SyncMLDuplicateElementError {
  return new SyncMLDuplicateElementError(`<${name}> occurs more than once at ${path}`, { path });
}

function unknown(name: string, parent: string, path: string): SyncMLUnknownElementError {
  return new SyncMLUnknownElementError(`<${name}> at ${path} is not an element of ${parent} that this codec supports`, {
    path,
  });
}

function nonNegativeInteger(text: string): number | undefined {
  if (!/^[0-9]{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function readMetaChild(meta: Meta, child: FxpNode, name: string, path: string): void {
  checkNamespace(child, name, IN_METINF, path);
  switch (name) {
    case 'Format':
    case 'Type':
    case 'Mark':
    case 'NextNonce':
    case 'Version': {
      const key = name === 'NextNonce' ? 'nextNonce' : (name.toLowerCase() as 'format' | 'type' | 'mark' | 'version');
      if (meta[key] !== undefined) throw duplicate(name, path);
      meta[key] = leafText(child, name, `${path}.${key}`);
      return;
    }
    case 'Size':
    case 'MaxObjSize':
    case 'MaxMsgSize': {
      const key = name === 'Size' ? 'size' : name === 'MaxObjSize' ? 'maxObjSize' : 'maxMsgSize';
      if (meta[key] !== undefined) throw duplicate(name, path);
      const text = leafText(child, name, `${path}.${key}`);
      const n = nonNegativeInteger(text);
      if (n === undefined) {
        throw new SyncMLInvalidNumberError(`<${name}> at ${path}.${key} is "${text}"; expected an integer ≥ 0`, {
          path: `${path}.${key}`,
        });
      }
      meta[key] = n;
      return;
    }
    default:
      throw unknown(name, 'Meta', path);
  }
}

function readMeta(node: FxpNode, path: string, into: Meta = {}): Meta {
  checkNamespace(node, 'Meta', IN_META, path);
  for (const child of childrenOf(node, 'Meta')) {
    const name = nameOf(child);
    if (name !== undefined) readMetaChild(into, child, name, path);
  }
  return into;
}

function readLocation(node: FxpNode, name: 'Target' | 'Source', path: string): Location {
  checkNamespace(node, name, IN_SYNCML, path);
  let locURI: string | undefined;
  let locName: string | undefined;
  for (const child of childrenOf(node, name)) {
    const inner = nameOf(child);
    if (inner === undefined) continue;
    checkNamespace(child, inner, IN_SYNCML, path);
    if (inner === 'LocURI') {
      if (locURI !== undefined) throw duplicate(inner, path);
      locURI = leafText(child, inner, `${path}.locURI`);
    } else if (inner === 'LocName') {
      if (locName !== undefined) throw duplicate(inner, path);
      locName = leafText(child, inner, `${path}.locName`);
    } else {
      throw unknown(inner, name, path);
    }
  }
  if (locURI === undefined) throw new SyncMLMissingElementError(`<${name}> at ${path} has no LocURI`, { path });
  return locName === undefined ? { locURI } : { locURI, locName };
}

function readItem(node: FxpNode, path: string): Item {
  checkNamespace(node, 'Item', IN_SYNCML, path);
  const item: Item = {};
  let meta: Meta | undefined;
  let sawMeta = false;
  for (const child of childrenOf(node, 'Item')) {
    const name = nameOf(child);
    if (name === undefined) continue;
    switch (name) {
      case 'Target':
      case 'Source': {
        const key = name === 'Target' ? 'target' : 'source';
        if (item[key] !== undefined) throw duplicate(name, path);
        item[key] = readLocation(child, name, `${path}.${key}`);
        break;
      }
      case 'Meta':
        if (sawMeta) throw duplicate(name, path);
        sawMeta = true;
        meta = readMeta(child, `${path}.meta`, meta);
        item.meta = meta;
        break;
      case 'Data':
        checkNamespace(child, name, IN_SYNCML, path);
        if (item.data !== undefined) throw duplicate(name, path);
        item.data = dataText(child);
        break;
      case 'MoreData':
        checkNamespace(child, name, IN_SYNCML, path);
        if (item.moreData !== undefined) throw duplicate(name, path);
        item.moreData = flag(child, name, `${path}.moreData`);
        break;
      default:
        // [MS-MDM]'s own example puts a metinf Type directly in Item; it can only mean Item's Meta.
        if (!METINF_NAMES.has(name)) throw unknown(name, 'Item', path);
        meta ??= {};
        readMetaChild(meta, child, name, `${path}.meta`);
        item.meta = meta;
    }
  }
  // Rebuild in canonical key order so that equal items compare equal whatever the wire order was.
  const out: Item = {};
  if (item.target !== undefined) out.target = item.target;
  if (item.source !== undefined) out.source = item.source;
  if (item.meta !== undefined) out.meta = item.meta;
  if (item.data !== undefined) out.data = item.data;
  if (item.moreData !== undefined) out.moreData = item.moreData;
  return out;
}

type ItemCommandKind = 'Add' | 'Replace' | 'Delete' | 'Get' | 'Copy';

/** Where each CmdID of the message was first seen, to report duplicates across nesting levels. */
type CmdIdRegistry = Map<number, string>;

interface Reader {
  ids: CmdIdRegistry;
}

function describe(kind: string, path: string): string {
  return `${kind} at ${path}`;
}

function parseCmdId(text: string | undefined, kind: string, path: string, reader: Reader): number {
  if (text === undefined) throw new SyncMLCmdIdMissingError(`${describe(kind, path)} has no CmdID`, { path });
  const n = nonNegativeInteger(text);
  if (n === undefined || n === 0) {
    throw new SyncMLCmdIdInvalidError(
      `${describe(kind, path)} has CmdID "${text}"; a CmdID is an integer ≥ 1`,
      { path: `${path}.cmdId` },
    );
  }
  const first = reader.ids.get(n);
  if (first !== undefined) {
    throw new SyncMLCmdIdDuplicateError(`${describe(kind, path)} reuses CmdID ${n} of ${first}`, {
      path: `${path}.cmdId`,
    });
  }
  reader.ids.set(n, describe(kind, path));
  return n;
}

function parseRef(text: string | undefined, field: 'MsgRef' | 'CmdRef', kind: string, path: string): number {
  if (text === undefined) throw new SyncMLStatusRefError(`${describe(kind, path)} has no ${field}`, { path });
  const n = nonNegativeInteger(text);
  if (n === undefined) {
    throw new SyncMLStatusRefError(`${describe(kind, path)} has ${field} "${text}"; expected an integer ≥ 0`, {
      path: `${path}.${field === 'MsgRef' ? 'msgRef' : 'cmdRef'}`,
    });
  }
  return n;
}

/** The children every command shares, collected in one pass; which of them a kind allows is checked after. */
interface Collected {
  cmdId?: string;
  noResp?: true;
  meta?: Meta;
  data?: string;
  correlator?: string;
  msgRef?: string;
  cmdRef?: string;
  cmd?: string;
  chal?: { meta: Meta };
  targetRefs: string[];
  sourceRefs: string[];
  items: Item[];
  commands: Command[];
}

const ALLOWED: Readonly<Record<string, ReadonlySet<string>>> = {
  Alert: new Set(['CmdID', 'NoResp', 'Data', 'Correlator', 'Item']),
  Status: new Set(['CmdID', 'MsgRef', 'CmdRef', 'Cmd', 'TargetRef', 'SourceRef', 'Chal', 'Data', 'Item']),
  Results: new Set(['CmdID', 'MsgRef', 'CmdRef', 'Cmd', 'Meta', 'TargetRef', 'SourceRef', 'Item']),
  Add: new Set(['CmdID', 'NoResp', 'Meta', 'Item']),
  Replace: new Set(['CmdID', 'NoResp', 'Meta', 'Item']),
  Delete: new Set(['CmdID', 'NoResp', 'Meta', 'Item']),
  Get: new Set(['CmdID', 'NoResp', 'Meta', 'Item']),
  Copy: new Set(['CmdID', 'NoResp', 'Meta', 'Item']),
  Exec: new Set(['CmdID', 'NoResp', 'Meta', 'Correlator', 'Item']),
  Atomic: new Set(['CmdID', 'NoResp', 'Meta']),
  Sequence: new Set(['CmdID', 'NoResp', 'Meta']),
};

function isCommandName(name: string): boolean {
  return Object.hasOwn(ALLOWED, name);
}

function collect(node: FxpNode, kind: string, path: string, reader: Reader): Collected {
  const allowed = ALLOWED[kind] ?? new Set<string>();
  const container = kind === 'Atomic' || kind === 'Sequence';
  const c: Collected = { targetRefs: [], sourceRefs: [], items: [], commands: [] };
  for (const child of childrenOf(node, kind)) {
    const name = nameOf(child);
    if (name === undefined) continue;
    if (container && isCommandName(name)) {
      c.commands.push(readCommand(child, name, `${path}.commands[${c.commands.length}]`, reader));
      continue;
    }
    if (!allowed.has(name)) {
      if (container) {
        throw new SyncMLUnknownElementError(
          `<${name}> at ${path}.commands[${c.commands.length}] is not a SyncML command this codec supports`,
          { path: `${path}.commands[${c.commands.length}]` },
        );
      }
      throw unknown(name, kind, path);
    }
    if (name === 'Item') {
      c.items.push(readItem(child, `${path}.items[${c.items.length}]`));
      continue;
    }
    checkNamespace(child, name, name === 'Meta' ? IN_META : IN_SYNCML, path);
    switch (name) {
      case 'CmdID':
        if (c.cmdId !== undefined) throw duplicate(name, path);
        c.cmdId = leafText(child, name, `${path}.cmdId`);
        break;
      case 'NoResp':
        if (c.noResp !== undefined) throw duplicate(name, path);
        c.noResp = flag(child, name, `${path}.noResp`);
        break;
      case 'Meta':
        if (c.meta !== undefined) throw duplicate(name, path);
        c.meta = readMeta(child, `${path}.meta`);
        break;
      case 'Data':
        if (c.data !== undefined) throw duplicate(name, path);
        // Alert and Status data are codes: trimmed like every other leaf.
        c.data = trimXml(dataText(child));
        break;
      case 'Correlator':
        if (c.correlator !== undefined) throw duplicate(name, path);
        c.correlator = leafText(child, name, `${path}.correlator`);
        break;
      case 'MsgRef':
        if (c.msgRef !== undefined) throw duplicate(name, path);
        c.msgRef = leafText(child, name, `${path}.msgRef`);
        break;
      case 'CmdRef':
        if (c.cmdRef !== undefined) throw duplicate(name, path);
        c.cmdRef = leafText(child, name, `${path}.cmdRef`);
        break;
      case 'Cmd':
        if (c.cmd !== undefined) throw duplicate(name, path);
        c.cmd = leafText(child, name, `${path}.cmd`);
        break;
      case 'TargetRef':
        c.targetRefs.push(leafText(child, name, `${path}.targetRefs[${c.targetRefs.length}]`));
        break;
      case 'SourceRef':
        c.sourceRefs.push(leafText(child, name, `${path}.sourceRefs[${c.sourceRefs.length}]`));
        break;
      case 'Chal':
        if (c.chal !== undefined) throw duplicate(name, path);
        c.chal = readChal(child, `${path}.chal`);
        break;
    }
  }
  return c;
}

function readChal(node: FxpNode, path: string): { meta: Meta } {
  let meta: Meta | undefined;
  for (const child of childrenOf(node, 'Chal')) {
    const name = nameOf(child);
    if (name === undefined) continue;
    if (name !== 'Meta') throw unknown(name, 'Chal', path);
    if (meta !== undefined) throw duplicate(name, path);
    meta = readMeta(child, `${path}.meta`);
  }
  if (meta === undefined) throw new SyncMLMissingElementError(`<Chal> at ${path} has no Meta`, { path });
  return { meta };
}

function readCommand(node: FxpNode, name: string, path: string, reader: Reader): Command {
  if (!isCommandName(name)) {
    throw new SyncMLUnknownElementError(`<${name}> at ${path} is not a SyncML command this codec supports`, { path });
  }
  checkNamespace(node, name, IN_SYNCML, path);
  const c = collect(node, name, path, reader);
  const cmdId = parseCmdId(c.cmdId, name, path, reader);
  switch (name) {
    case 'Alert': {
      if (c.data === undefined) {
        throw new SyncMLMissingElementError(`Alert at ${path} has no Data (the alert code)`, { path });
      }
      const alert: Alert = { kind: 'Alert', cmdId, data: c.data, items: c.items };
      if (c.noResp !== undefined) alert.noResp = c.noResp;
      if (c.correlator !== undefined) alert.correlator = c.correlator;
      return alert;
    }
    case 'Status': {
      const msgRef = parseRef(c.msgRef, 'MsgRef', name, path);
      const cmdRef = parseRef(c.cmdRef, 'CmdRef', name, path);
      if (c.cmd === undefined) throw new SyncMLMissingElementError(`Status at ${path} has no Cmd`, { path });
      if (c.data === undefined) {
        throw new SyncMLMissingElementError(`Status at ${path} has no Data (the status code)`, { path });
      }
      const status: Status = {
        kind: 'Status',
        cmdId,
        msgRef,
        cmdRef,
        cmd: c.cmd,
        targetRefs: c.targetRefs,
        sourceRefs: c.sourceRefs,
        data: c.data,
        items: c.items,
      };
      if (c.chal !== undefined) status.chal = c.chal;
      return status;
    }
    case 'Results': {
      const cmdRef = parseRef(c.cmdRef, 'CmdRef', name, path);
      const results: Results = {
        kind: 'Results',
        cmdId,
        cmdRef,
        targetRefs: c.targetRefs,
        sourceRefs: c.sourceRefs,
        items: c.items,
      };
      if (c.msgRef !== undefined) results.msgRef = parseRef(c.msgRef, 'MsgRef', name, path);
      if (c.cmd !== undefined) results.cmd = c.cmd;
      if (c.meta !== undefined) results.meta = c.meta;
      return results;
    }
    case 'Exec': {
      const exec: Exec = { kind: 'Exec', cmdId, items: c.items };
      if (c.noResp !== undefined) exec.noResp = c.noResp;
      if (c.meta !== undefined) exec.meta = c.meta;
      if (c.correlator !== undefined) exec.correlator = c.correlator;
      return exec;
    }
    case 'Atomic':
    case 'Sequence': {
      const container: Atomic | Sequence =
        name === 'Atomic' ? { kind: 'Atomic', cmdId, commands: c.commands } : { kind: 'Sequence', cmdId, commands: c.commands };
      if (c.noResp !== undefined) container.noResp = c.noResp;
      if (c.meta !== undefined) container.meta = c.meta;
      return container;
    }
    default: {
      const command = { kind: name as ItemCommandKind, cmdId, items: c.items } as ItemCommand<ItemCommandKind>;
      if (c.noResp !== undefined) command.noResp = c.noResp;
      if (c.meta !== undefined) command.meta = c.meta;
      return command as Command;
    }
  }
}

function readCred(node: FxpNode, path: string): Cred {
  let meta: Meta | undefined;
  let data: string | undefined;
  for (const child of childrenOf(node, 'Cred')) {
    const name = nameOf(child);
    if (name === undefined) continue;
    if (name === 'Meta') {
      if (meta !== undefined) throw duplicate(name, path);
      meta = readMeta(child, `${path}.meta`);
    } else if (name === 'Data') {
      checkNamespace(child, name, IN_SYNCML, path);
      if (data !== undefined) throw duplicate(name, path);
      data = dataText(child);
    } else {
      throw unknown(name, 'Cred', path);
    }
  }
  if (data === undefined) throw new SyncMLMissingElementError(`<Cred> at ${path} has no Data`, { path });
  return meta === undefined ? { data } : { meta, data };
}

function readHeader(node: FxpNode): SyncHdr {
  const path = 'header';
  checkNamespace(node, 'SyncHdr', IN_SYNCML, path);
  const seen = new Set<string>();
  let verDTD: string | undefined;
  let verProto: string | undefined;
  let sessionId: string | undefined;
  let msgId: string | undefined;
  let target: Location | undefined;
  let source: Location | undefined;
  let respURI: string | undefined;
  let noResp: true | undefined;
  let cred: Cred | undefined;
  let meta: Meta | undefined;
  for (const child of childrenOf(node, 'SyncHdr')) {
    const name = nameOf(child);
    if (name === undefined) continue;
    if (seen.has(name)) throw duplicate(name, path);
    seen.add(name);
    if (name !== 'Meta') checkNamespace(child, name, IN_SYNCML, path);
    switch (name) {
      case 'VerDTD':
        verDTD = leafText(child, name, `${path}.verDTD`);
        break;
      case 'VerProto':
        verProto = leafText(child, name, `${path}.verProto`);
        break;
      case 'SessionID':
        sessionId = leafText(child, name, `${path}.sessionId`);
        break;
      case 'MsgID':
        msgId = leafText(child, name, `${path}.msgId`);
        break;
      case 'Target':
        target = readLocation(child, name, `${path}.target`);
        break;
      case 'Source':
        source = readLocation(child, name, `${path}.source`);
        break;
      case 'RespURI':
        respURI = leafText(child, name, `${path}.respURI`);
        break;
      case 'NoResp':
        noResp = flag(child, name, `${path}.noResp`);
        break;
      case 'Cred':
        cred = readCred(child, `${path}.cred`);
        break;
      case 'Meta':
        meta = readMeta(child, `${path}.meta`);
        break;
      default:
        throw unknown(name, 'SyncHdr', path);
    }
  }
  if (verDTD === undefined) throw new SyncMLVersionError('SyncHdr has no VerDTD; expected 1.2', { path: 'header.verDTD' });
  if (verDTD !== '1.2') {
    throw new SyncMLVersionError(`SyncHdr VerDTD is "${verDTD}"; expected 1.2`, { path: 'header.verDTD' });
  }
  if (verProto === undefined) {
    throw new SyncMLVersionError('SyncHdr has no VerProto; expected DM/1.2', { path: 'header.verProto' });
  }
  if (verProto !== 'DM/1.2') {
    throw new SyncMLVersionError(`SyncHdr VerProto is "${verProto}"; expected DM/1.2`, { path: 'header.verProto' });
  }
  if (msgId === undefined) throw new SyncMLMsgIdError('SyncHdr has no MsgID', { path: 'header.msgId' });
  const msgIdNumber = nonNegativeInteger(msgId);
  if (msgIdNumber === undefined || msgIdNumber === 0) {
    throw new SyncMLMsgIdError(`SyncHdr MsgID is "${msgId}"; expected an integer ≥ 1`, { path: 'header.msgId' });
  }
  if (sessionId === undefined) {
    throw new SyncMLMissingElementError('SyncHdr has no SessionID', { path: 'header.sessionId' });
  }
  if (target === undefined) throw new SyncMLMissingElementError('SyncHdr has no Target', { path: 'header.target' });
  if (source === undefined) throw new SyncMLMissingElementError('SyncHdr has no Source', { path: 'header.source' });
  const header: SyncHdr = { verDTD, verProto, sessionId, msgId: msgIdNumber, target, source };
  if (cred !== undefined) header.cred = cred;
  if (meta !== undefined) header.meta = meta;
  if (respURI !== undefined) header.respURI = respURI;
  if (noResp !== undefined) header.noResp = noResp;
  return header;
}

/** Builds the AST from the parser's top-level node list. */
export function readMessage(nodes: readonly FxpNode[]): SyncMLMessage {
  let root: FxpNode | undefined;
  let rootName: string | undefined;
  for (const node of nodes) {
    const name = nameOf(node);
    if (name !== undefined) {
      root = node;
      rootName = name;
      break;
    }
  }
  if (root === undefined || rootName === undefined) throw new SyncMLRootError('The document has no root element');
  if (rootName !== 'SyncML') throw new SyncMLRootError(`The root element is <${rootName}>; expected <SyncML>`);
  const attrs = root[ATTRS] as Record<string, string> | undefined;
  const rawNs = attrs?.[XMLNS];
  if (rawNs === undefined) {
    throw new SyncMLNamespaceError(`<SyncML> declares no namespace; expected xmlns="${SYNCML_NS}"`);
  }
  checkNamespace(root, 'SyncML', IN_SYNCML, 'the root');

  let headerNode: FxpNode | undefined;
  let bodyNode: FxpNode | undefined;
  for (const child of childrenOf(root, 'SyncML')) {
    const name = nameOf(child);
    if (name === undefined) continue;
    if (name === 'SyncHdr') {
      if (headerNode !== undefined) throw duplicate(name, 'the root');
      headerNode = child;
    } else if (name === 'SyncBody') {
      if (bodyNode !== undefined) throw duplicate(name, 'the root');
      bodyNode = child;
    } else {
      throw unknown(name, 'SyncML', 'the root');
    }
  }
  if (headerNode === undefined) throw new SyncMLMissingElementError('<SyncML> has no SyncHdr', { path: 'header' });
  if (bodyNode === undefined) throw new SyncMLMissingElementError('<SyncML> has no SyncBody', { path: 'body' });
  const header = readHeader(headerNode);

  checkNamespace(bodyNode, 'SyncBody', IN_SYNCML, 'body');
  const reader: Reader = { ids: new Map() };
  const body: Command[] = [];
  let final = false;
  for (const child of childrenOf(bodyNode, 'SyncBody')) {
    const name = nameOf(child);
    if (name === undefined) continue;
    if (name === 'Final') {
      checkNamespace(child, name, IN_SYNCML, 'body');
      if (final) throw duplicate(name, 'body');
      final = flag(child, name, 'final');
      continue;
    }
    body.push(readCommand(child, name, `body[${body.length}]`, reader));
  }
  return { header, body, final };
}

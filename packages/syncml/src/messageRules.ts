/**
 * The SyncML rules both readers apply (the fast single-pass reader of `buildMessage` and the
 * reference tree walker of `readMessage`): which elements go where, namespaces, numbers, CmdIDs,
 * required elements, and the exact errors. Keeping them in one place is what lets the
 * differential law compare the two readers' errors message for message. Internal to the package.
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
  SyncMLStatusRefError,
  SyncMLUnknownElementError,
  SyncMLVersionError,
} from './SyncMLError.js';
import { decodeReferences, isXmlWhitespace, trimXml } from './xmlChars.js';

export const SYNCML_NS = 'SYNCML:SYNCML1.2';
export const METINF_NS = 'syncml:metinf';

export const IN_SYNCML: readonly string[] = [SYNCML_NS];
export const IN_METINF: readonly string[] = [METINF_NS];
export const IN_META: readonly string[] = [METINF_NS, SYNCML_NS];

export const METINF_NAMES: ReadonlySet<string> = new Set([
  'Format',
  'Type',
  'Mark',
  'Size',
  'MaxObjSize',
  'MaxMsgSize',
  'NextNonce',
  'Version',
]);

/**
 * Checks an element's default namespace declaration (`raw`, the attribute value as written), if
 * it has one. SyncML messages only ever declare the SyncML namespace and, on Meta children,
 * `syncml:metinf`; both compare case-insensitively because Windows and the specification spell
 * them differently.
 */
export function checkNamespace(raw: string | undefined, name: string, allowed: readonly string[], path: string): void {
  if (raw === undefined || allowed.includes(raw)) return; // the usual spelling, without decoding
  const ns = trimXml(decodeReferences(raw));
  const upper = ns.toUpperCase();
  if (allowed.some((a) => a.toUpperCase() === upper)) return;
  throw new SyncMLNamespaceError(
    `<${name}> at ${path} declares namespace "${ns}"; expected ${allowed.map((a) => `"${a}"`).join(' or ')}`,
    { path },
  );
}

/** The root's namespace rule: it must declare one, and the right one. */
export function checkRootNamespace(raw: string | undefined): void {
  if (raw === undefined) {
    throw new SyncMLNamespaceError(`<SyncML> declares no namespace; expected xmlns="${SYNCML_NS}"`);
  }
  checkNamespace(raw, 'SyncML', IN_SYNCML, 'the root');
}

export function duplicate(name: string, path: string): SyncMLDuplicateElementError {
  return new SyncMLDuplicateElementError(`<${name}> occurs more than once at ${path}`, { path });
}

export function unknown(name: string, parent: string, path: string): SyncMLUnknownElementError {
  return new SyncMLUnknownElementError(`<${name}> at ${path} is not an element of ${parent} that this codec supports`, {
    path,
  });
}

/** An element standing where a command belongs (in SyncBody, Atomic or Sequence) that is none. */
export function notACommand(name: string, path: string): SyncMLUnknownElementError {
  return new SyncMLUnknownElementError(`<${name}> at ${path} is not a SyncML command this codec supports`, { path });
}

/** A child element inside a text leaf. */
export function notText(name: string, path: string, child: string): SyncMLInvalidContentError {
  return new SyncMLInvalidContentError(`<${name}> at ${path} must hold text, but contains the element <${child}>`, {
    path,
  });
}

/** A child element inside an empty marker (`Final`, `NoResp`, `MoreData`). */
export function notEmpty(name: string, path: string, child: string): SyncMLInvalidContentError {
  return new SyncMLInvalidContentError(`<${name}> at ${path} must be empty, but contains <${child}>`, { path });
}

export function noLocURI(name: string, path: string): SyncMLMissingElementError {
  return new SyncMLMissingElementError(`<${name}> at ${path} has no LocURI`, { path });
}

export function noChalMeta(path: string): SyncMLMissingElementError {
  return new SyncMLMissingElementError(`<Chal> at ${path} has no Meta`, { path });
}

export function noCredData(path: string): SyncMLMissingElementError {
  return new SyncMLMissingElementError(`<Cred> at ${path} has no Data`, { path });
}

/** `/^[0-9]{1,16}$/` as a safe integer, without a regular expression (this runs for every CmdID). */
export function nonNegativeInteger(text: string): number | undefined {
  const len = text.length;
  if (len === 0 || len > 16) return undefined;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  // 16 digits can exceed 2^53; the product above is then inexact, so ask Number for the verdict.
  if (len < 16) return n;
  const exact = Number(text);
  return Number.isSafeInteger(exact) ? exact : undefined;
}

/** The Meta field a metinf element fills. */
export type MetaKey = keyof Meta;
export type MetaTextKey = 'format' | 'type' | 'mark' | 'nextNonce' | 'version';
export type MetaNumberKey = 'size' | 'maxObjSize' | 'maxMsgSize';

/** The Meta field of a metinf element name, or undefined when the name is none. */
export function metaKeyOf(name: string): MetaKey | undefined {
  switch (name) {
    case 'Format':
      return 'format';
    case 'Type':
      return 'type';
    case 'Mark':
      return 'mark';
    case 'NextNonce':
      return 'nextNonce';
    case 'Version':
      return 'version';
    case 'Size':
      return 'size';
    case 'MaxObjSize':
      return 'maxObjSize';
    case 'MaxMsgSize':
      return 'maxMsgSize';
    default:
      return undefined;
  }
}

export function isMetaNumberKey(key: MetaKey): key is MetaNumberKey {
  return key === 'size' || key === 'maxObjSize' || key === 'maxMsgSize';
}

/** Stores the text of a metinf element (trimmed already) in `meta`, as a number where one is due. */
export function setMetaValue(meta: Meta, name: string, key: MetaKey, text: string, path: string): void {
  if (!isMetaNumberKey(key)) {
    meta[key] = text;
    return;
  }
  const n = nonNegativeInteger(text);
  if (n === undefined) {
    throw new SyncMLInvalidNumberError(`<${name}> at ${path}.${key} is "${text}"; expected an integer ≥ 0`, {
      path: `${path}.${key}`,
    });
  }
  meta[key] = n;
}

/**
 * The `Data` payload from its raw content (the text between `<Data>` and `</Data>`, with line
 * ends normalised): raw child elements keep their XML text; otherwise text is decoded, CDATA
 * taken verbatim, comments and processing instructions dropped and, when CDATA is present, the
 * whitespace-only text that pretty-printing puts around it dropped.
 */
export function dataText(raw: string): string {
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

/** Rebuilds an item in canonical key order, so that equal items compare equal whatever the wire order was. */
export function canonicalItem(item: Item): Item {
  const out: Item = {};
  if (item.target !== undefined) out.target = item.target;
  if (item.source !== undefined) out.source = item.source;
  if (item.meta !== undefined) out.meta = item.meta;
  if (item.data !== undefined) out.data = item.data;
  if (item.moreData !== undefined) out.moreData = item.moreData;
  return out;
}

export function location(locURI: string | undefined, locName: string | undefined, name: string, path: string): Location {
  if (locURI === undefined) throw noLocURI(name, path);
  return locName === undefined ? { locURI } : { locURI, locName };
}

export function cred(meta: Meta | undefined, data: string | undefined, path: string): Cred {
  if (data === undefined) throw noCredData(path);
  return meta === undefined ? { data } : { meta, data };
}

/** Which children each command kind may have (nested commands of Atomic/Sequence aside). */
export const ALLOWED: Readonly<Record<string, ReadonlySet<string>>> = {
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

const COMMAND_NAMES: ReadonlySet<string> = new Set(Object.keys(ALLOWED));

export function isCommandName(name: string): boolean {
  return COMMAND_NAMES.has(name);
}

/** The children every command shares, collected in one pass; which of them a kind allows is checked before. */
export interface Collected {
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

export function collected(): Collected {
  return { targetRefs: [], sourceRefs: [], items: [], commands: [] };
}

/** Where each CmdID of the message was first seen ("Get at body[0]"), to report duplicates across nesting levels. */
export type CmdIdRegistry = Map<number, string>;

/** Where something is in the AST, asked only when an error needs the path. */
export interface Where {
  path(): string;
}

function describe(kind: string, path: string): string {
  return `${kind} at ${path}`;
}

/** The CmdID of a command from its text: present, an integer ≥ 1. */
export function commandId(text: string | undefined, kind: string, at: Where): number {
  if (text === undefined) {
    const path = at.path();
    throw new SyncMLCmdIdMissingError(`${describe(kind, path)} has no CmdID`, { path });
  }
  const n = nonNegativeInteger(text);
  if (n === undefined || n === 0) {
    const path = at.path();
    throw new SyncMLCmdIdInvalidError(`${describe(kind, path)} has CmdID "${text}"; a CmdID is an integer ≥ 1`, {
      path: `${path}.cmdId`,
    });
  }
  return n;
}

/** A command (`kind` at `path`) reusing CmdID `n`, first taken by the command `first` describes. */
export function cmdIdReused(kind: string, path: string, n: number, first: string): SyncMLCmdIdDuplicateError {
  return new SyncMLCmdIdDuplicateError(`${describe(kind, path)} reuses CmdID ${n} of ${first}`, { path: `${path}.cmdId` });
}

function parseRef(text: string | undefined, field: 'MsgRef' | 'CmdRef', kind: string, at: Where): number {
  if (text === undefined) {
    const path = at.path();
    throw new SyncMLStatusRefError(`${describe(kind, path)} has no ${field}`, { path });
  }
  const n = nonNegativeInteger(text);
  if (n === undefined) {
    const path = at.path();
    throw new SyncMLStatusRefError(`${describe(kind, path)} has ${field} "${text}"; expected an integer ≥ 0`, {
      path: `${path}.${field === 'MsgRef' ? 'msgRef' : 'cmdRef'}`,
    });
  }
  return n;
}

type ItemCommandKind = 'Add' | 'Replace' | 'Delete' | 'Get' | 'Copy';

/**
 * Turns the collected children of a command into the command, once all of them have been read
 * and its CmdID has been checked: the references and the required elements of its kind.
 */
export function buildCommand(name: string, cmdId: number, c: Collected, at: Where): Command {
  switch (name) {
    case 'Alert': {
      if (c.data === undefined) {
        const path = at.path();
        throw new SyncMLMissingElementError(`Alert at ${path} has no Data (the alert code)`, { path });
      }
      const alert: Alert = { kind: 'Alert', cmdId, data: c.data, items: c.items };
      if (c.noResp !== undefined) alert.noResp = c.noResp;
      if (c.correlator !== undefined) alert.correlator = c.correlator;
      return alert;
    }
    case 'Status': {
      const msgRef = parseRef(c.msgRef, 'MsgRef', name, at);
      const cmdRef = parseRef(c.cmdRef, 'CmdRef', name, at);
      if (c.cmd === undefined) {
        const path = at.path();
        throw new SyncMLMissingElementError(`Status at ${path} has no Cmd`, { path });
      }
      if (c.data === undefined) {
        const path = at.path();
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
      const cmdRef = parseRef(c.cmdRef, 'CmdRef', name, at);
      const results: Results = {
        kind: 'Results',
        cmdId,
        cmdRef,
        targetRefs: c.targetRefs,
        sourceRefs: c.sourceRefs,
        items: c.items,
      };
      if (c.msgRef !== undefined) results.msgRef = parseRef(c.msgRef, 'MsgRef', name, at);
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
        name === 'Atomic'
          ? { kind: 'Atomic', cmdId, commands: c.commands }
          : { kind: 'Sequence', cmdId, commands: c.commands };
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

/**
 * The whole of a command's own rules once its children have been read: the CmdID (registered in
 * `ids`, so nested commands take theirs before their container), then {@link buildCommand}.
 */
export function finishCommand(name: string, c: Collected, path: string, ids: CmdIdRegistry): Command {
  const at: Where = { path: () => path };
  const cmdId = commandId(c.cmdId, name, at);
  const first = ids.get(cmdId);
  if (first !== undefined) throw cmdIdReused(name, path, cmdId, first);
  ids.set(cmdId, describe(name, path));
  return buildCommand(name, cmdId, c, at);
}

/** The header's children as read (leaves trimmed), before the header's own rules are applied. */
export interface HeaderParts {
  verDTD?: string;
  verProto?: string;
  sessionId?: string;
  msgId?: string;
  target?: Location;
  source?: Location;
  respURI?: string;
  noResp?: true;
  cred?: Cred;
  meta?: Meta;
}

/** Applies the header's rules (versions, MsgID, required elements) once all of its children have been read. */
export function finishHeader(h: HeaderParts): SyncHdr {
  const { verDTD, verProto, msgId, sessionId, target, source } = h;
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
  if (h.cred !== undefined) header.cred = h.cred;
  if (h.meta !== undefined) header.meta = h.meta;
  if (h.respURI !== undefined) header.respURI = h.respURI;
  if (h.noResp !== undefined) header.noResp = h.noResp;
  return header;
}

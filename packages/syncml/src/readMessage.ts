/**
 * The reference path's second half: turns fast-xml-parser's ordered tree (`preserveOrder: true`)
 * of a document that `scanXml` already accepted into the typed AST, validating SyncML rules on
 * the way (the rules themselves live in `messageRules.ts`, shared with the fast reader).
 * Internal to the package.
 */
import type { Command, Cred, Item, Location, Meta, SyncHdr, SyncMLMessage } from './SyncMLMessage.js';
import { SyncMLMissingElementError, SyncMLRootError } from './SyncMLError.js';
import {
  ALLOWED,
  IN_META,
  IN_METINF,
  IN_SYNCML,
  METINF_NAMES,
  canonicalItem,
  checkNamespace,
  checkRootNamespace,
  collected,
  cred,
  dataText,
  duplicate,
  finishCommand,
  finishHeader,
  isCommandName,
  location,
  metaKeyOf,
  noChalMeta,
  notACommand,
  notEmpty,
  notText,
  setMetaValue,
  unknown,
  type CmdIdRegistry,
  type Collected,
  type HeaderParts,
} from './messageRules.js';
import { decodeReferences, trimXml } from './xmlChars.js';

/** One entry of fast-xml-parser's ordered output: an element, a text node or a CDATA node. */
export type FxpNode = { [key: string]: unknown };

const TEXT = '#text';
const CDATA = '#cdata';
const ATTRS = ':@';
const XMLNS = '@_xmlns';

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

function xmlnsOf(node: FxpNode): string | undefined {
  return (node[ATTRS] as Record<string, string> | undefined)?.[XMLNS];
}

function ns(node: FxpNode, name: string, allowed: readonly string[], path: string): void {
  checkNamespace(xmlnsOf(node), name, allowed, path);
}

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
    throw notText(name, path, nameOf(child) ?? '?');
  }
  return trimXml(out);
}

/** An empty marker element (`Final`, `NoResp`, `MoreData`); character data in it is ignored. */
function flag(node: FxpNode, name: string, path: string): true {
  for (const child of childrenOf(node, name)) {
    const inner = nameOf(child);
    if (inner !== undefined) throw notEmpty(name, path, inner);
  }
  return true;
}

/** The `Data` payload: fast-xml-parser hands it over unparsed (a stop node). */
function rawData(node: FxpNode): string {
  return dataText((childrenOf(node, 'Data')[0]?.[TEXT] as string | undefined) ?? '');
}

function readMetaChild(meta: Meta, child: FxpNode, name: string, path: string): void {
  ns(child, name, IN_METINF, path);
  const key = metaKeyOf(name);
  if (key === undefined) throw unknown(name, 'Meta', path);
  if (meta[key] !== undefined) throw duplicate(name, path);
  setMetaValue(meta, name, key, leafText(child, name, `${path}.${key}`), path);
}

function readMeta(node: FxpNode, path: string, into: Meta = {}): Meta {
  ns(node, 'Meta', IN_META, path);
  for (const child of childrenOf(node, 'Meta')) {
    const name = nameOf(child);
    if (name !== undefined) readMetaChild(into, child, name, path);
  }
  return into;
}

function readLocation(node: FxpNode, name: 'Target' | 'Source', path: string): Location {
  ns(node, name, IN_SYNCML, path);
  let locURI: string | undefined;
  let locName: string | undefined;
  for (const child of childrenOf(node, name)) {
    const inner = nameOf(child);
    if (inner === undefined) continue;
    ns(child, inner, IN_SYNCML, path);
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
  return location(locURI, locName, name, path);
}

function readItem(node: FxpNode, path: string): Item {
  ns(node, 'Item', IN_SYNCML, path);
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
        ns(child, name, IN_SYNCML, path);
        if (item.data !== undefined) throw duplicate(name, path);
        item.data = rawData(child);
        break;
      case 'MoreData':
        ns(child, name, IN_SYNCML, path);
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
  return canonicalItem(item);
}

function collect(node: FxpNode, kind: string, path: string, ids: CmdIdRegistry): Collected {
  const allowed = ALLOWED[kind] ?? new Set<string>();
  const container = kind === 'Atomic' || kind === 'Sequence';
  const c = collected();
  for (const child of childrenOf(node, kind)) {
    const name = nameOf(child);
    if (name === undefined) continue;
    if (container && isCommandName(name)) {
      c.commands.push(readCommand(child, name, `${path}.commands[${c.commands.length}]`, ids));
      continue;
    }
    if (!allowed.has(name)) {
      if (container) throw notACommand(name, `${path}.commands[${c.commands.length}]`);
      throw unknown(name, kind, path);
    }
    if (name === 'Item') {
      c.items.push(readItem(child, `${path}.items[${c.items.length}]`));
      continue;
    }
    ns(child, name, name === 'Meta' ? IN_META : IN_SYNCML, path);
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
        c.data = trimXml(rawData(child));
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
  if (meta === undefined) throw noChalMeta(path);
  return { meta };
}

function readCommand(node: FxpNode, name: string, path: string, ids: CmdIdRegistry): Command {
  if (!isCommandName(name)) throw notACommand(name, path);
  ns(node, name, IN_SYNCML, path);
  return finishCommand(name, collect(node, name, path, ids), path, ids);
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
      ns(child, name, IN_SYNCML, path);
      if (data !== undefined) throw duplicate(name, path);
      data = rawData(child);
    } else {
      throw unknown(name, 'Cred', path);
    }
  }
  return cred(meta, data, path);
}

function readHeader(node: FxpNode): SyncHdr {
  const path = 'header';
  ns(node, 'SyncHdr', IN_SYNCML, path);
  const seen = new Set<string>();
  const h: HeaderParts = {};
  for (const child of childrenOf(node, 'SyncHdr')) {
    const name = nameOf(child);
    if (name === undefined) continue;
    if (seen.has(name)) throw duplicate(name, path);
    seen.add(name);
    if (name !== 'Meta') ns(child, name, IN_SYNCML, path);
    switch (name) {
      case 'VerDTD':
        h.verDTD = leafText(child, name, `${path}.verDTD`);
        break;
      case 'VerProto':
        h.verProto = leafText(child, name, `${path}.verProto`);
        break;
      case 'SessionID':
        h.sessionId = leafText(child, name, `${path}.sessionId`);
        break;
      case 'MsgID':
        h.msgId = leafText(child, name, `${path}.msgId`);
        break;
      case 'Target':
        h.target = readLocation(child, name, `${path}.target`);
        break;
      case 'Source':
        h.source = readLocation(child, name, `${path}.source`);
        break;
      case 'RespURI':
        h.respURI = leafText(child, name, `${path}.respURI`);
        break;
      case 'NoResp':
        h.noResp = flag(child, name, `${path}.noResp`);
        break;
      case 'Cred':
        h.cred = readCred(child, `${path}.cred`);
        break;
      case 'Meta':
        h.meta = readMeta(child, `${path}.meta`);
        break;
      default:
        throw unknown(name, 'SyncHdr', path);
    }
  }
  return finishHeader(h);
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
  checkRootNamespace(xmlnsOf(root));

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

  ns(bodyNode, 'SyncBody', IN_SYNCML, 'body');
  const ids: CmdIdRegistry = new Map();
  const body: Command[] = [];
  let final = false;
  for (const child of childrenOf(bodyNode, 'SyncBody')) {
    const name = nameOf(child);
    if (name === undefined) continue;
    if (name === 'Final') {
      ns(child, name, IN_SYNCML, 'body');
      if (final) throw duplicate(name, 'body');
      final = flag(child, name, 'final');
      continue;
    }
    body.push(readCommand(child, name, `body[${body.length}]`, ids));
  }
  return { header, body, final };
}

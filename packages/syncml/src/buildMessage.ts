/**
 * The fast reader behind `parseMessage`: one linear, iterative pass over the text that checks the
 * XML (with the token readers of `scanXml.ts`, the same rules as the reference path's gate) and
 * builds the AST as it goes (with the rules of `messageRules.ts`, the same the reference reader
 * applies), with no intermediate tree. Internal to the package.
 *
 * The reference path checks the whole text first and only then reads the tree, in its own order:
 * the root, the root's children, then the whole header, then the body, each command's own rules
 * after its children. A single pass meets problems in text order instead, so it does not throw a
 * SyncML error when it meets one: it records the first error of each part (a "phase", numbered in
 * the reference's order), stops building that part, keeps checking the XML to the end (a syntax
 * error anywhere wins), and then throws the error of the earliest phase. Within a phase the
 * reference meets errors in text order too, so the two agree error for error.
 */
import type { Command, Item, Location, Meta, SyncHdr, SyncMLMessage } from './SyncMLMessage.js';
import { SyncMLError, SyncMLMissingElementError, SyncMLRootError } from './SyncMLError.js';
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
  dataText,
  duplicate,
  buildCommand,
  cmdIdReused,
  commandId,
  finishHeader,
  isCommandName,
  isMetaNumberKey,
  metaKeyOf,
  noChalMeta,
  noCredData,
  noLocURI,
  nonNegativeInteger,
  notACommand,
  notEmpty,
  notText,
  setMetaValue,
  unknown,
  type Collected,
  type HeaderParts,
  type MetaKey,
  type Where,
} from './messageRules.js';
import {
  cdataEnd,
  cdataEndInText,
  checkChars,
  checkOuterText,
  commentEnd,
  endTag,
  notXml,
  piEnd,
  refuseMarkup,
  skipDeclaration,
  startTagName,
  startTagRest,
  tooDeep,
  type StartTag,
} from './scanXml.js';
import { checkReferences, decodeReferences, trimXml } from './xmlChars.js';

// What a frame (one open element) is being read as.
const SKIP = 0; // content irrelevant: inside an element already refused, or a part that has an error
const ROOT = 1;
const HDR = 2;
const BODY = 3;
const CMD = 4;
const ITEM = 5;
const LOC = 6;
const META = 7;
const CHAL = 8;
const CRED = 9;
const LEAF = 10; // text
const FLAG = 11; // empty marker
const DATA = 12; // raw payload

// The phases of the reference reader, in the order it meets their errors.
const P_ROOT = 0; // the root element: name, namespace
const P_ROOT_CHILDREN = 1; // unknown or repeated children of SyncML
// 2: SyncHdr or SyncBody missing, known only at the end
const P_HEADER = 3;
const P_BODY = 4;
const P_NONE = 5;

// Where a leaf, marker or payload goes in its parent.
const H_VERDTD = 1;
const H_VERPROTO = 2;
const H_SESSIONID = 3;
const H_MSGID = 4;
const H_RESPURI = 5;
const H_NORESP = 6;
const H_TARGET = 7;
const H_SOURCE = 8;
const L_LOCURI = 10;
const L_LOCNAME = 11;
const M_FIELD = 12;
const C_CMDID = 20;
const C_CORRELATOR = 21;
const C_MSGREF = 22;
const C_CMDREF = 23;
const C_CMD = 24;
const C_TARGETREF = 25;
const C_SOURCEREF = 26;
const C_NORESP = 27;
const C_DATA = 28;
const I_TARGET = 30;
const I_SOURCE = 31;
const I_DATA = 32;
const I_MOREDATA = 33;
const CR_DATA = 40;
const B_FINAL = 50;

/** A bit for each SyncHdr child (each may occur once), 0 for other names. */
function headerBit(name: string): number {
  switch (name) {
    case 'VerDTD':
      return 1;
    case 'VerProto':
      return 2;
    case 'SessionID':
      return 4;
    case 'MsgID':
      return 8;
    case 'Target':
      return 16;
    case 'Source':
      return 32;
    case 'RespURI':
      return 64;
    case 'NoResp':
      return 128;
    case 'Cred':
      return 256;
    case 'Meta':
      return 512;
    default:
      return 0;
  }
}

// Path steps of Meta fields, as constants: paths are only built when an error needs one.
const META_STEP: Readonly<Record<MetaKey, string>> = {
  format: '.format',
  type: '.type',
  mark: '.mark',
  size: '.size',
  maxObjSize: '.maxObjSize',
  maxMsgSize: '.maxMsgSize',
  nextNonce: '.nextNonce',
  version: '.version',
};
const ITEM_META_STEP: Readonly<Record<MetaKey, string>> = {
  format: '.meta.format',
  type: '.meta.type',
  mark: '.meta.mark',
  size: '.meta.size',
  maxObjSize: '.meta.maxObjSize',
  maxMsgSize: '.meta.maxMsgSize',
  nextNonce: '.meta.nextNonce',
  version: '.meta.version',
};

interface ItemParts {
  item: Item;
  meta: Meta | undefined;
  sawMeta: boolean;
}
interface LocationParts {
  locURI: string | undefined;
  locName: string | undefined;
}
interface ChalParts {
  meta: Meta | undefined;
}
interface CredParts {
  meta: Meta | undefined;
  data: string | undefined;
}
interface HeaderFrameParts extends HeaderParts {
  seen: number;
}

type FrameValue = Collected | ItemParts | LocationParts | ChalParts | CredParts | HeaderFrameParts | Meta | undefined;

/**
 * One open element. Frames are pooled, one per depth, and refilled by {@link Builder.push}: only
 * open elements are ever asked for their path, so a frame is free again once its element closed.
 */
class Frame implements Where {
  kind = SKIP;
  phase = P_ROOT;
  name = '';
  parent: Frame | undefined = undefined;
  /** The path step from the parent: relative (`.items`, `` for `[i]`) or absolute (`header`, `body`, `final`). */
  step = '';
  /** `[index]` after the step, or -1. */
  index = -1;
  /** What a leaf, marker or payload fills in its parent. */
  slot = 0;
  value: FrameValue = undefined;
  /** DATA: where the raw payload starts. */
  start = 0;
  /** LEAF: the text read so far. */
  text = '';
  /** CMD: the children its kind allows (besides nested commands). */
  allowed: ReadonlySet<string> | undefined = undefined;

  /** The AST path of this element (`body[2].items[0].meta`), built only when an error needs it. */
  path(): string {
    const { step, index, parent } = this;
    const relative = step === '' || step.charCodeAt(0) === 0x2e;
    const base = relative && parent !== undefined ? parent.path() : '';
    return index < 0 ? base + step : `${base}${step}[${index}]`;
  }
}

function pathOf(frame: Frame): string {
  return frame.path();
}

/** The path of `frame` (none: the top), then `suffix`, then `[index]` unless it is -1. */
function pathAt(frame: Frame | undefined, suffix: string, index: number): string {
  const path = (frame === undefined ? '' : frame.path()) + suffix;
  return index < 0 ? path : `${path}[${index}]`;
}

/** `Get at body[0].commands[1]`: where `target`, an already finished command, is in `list`. */
function describeIn(list: readonly Command[], prefix: string, target: Command): string | undefined {
  for (let i = 0; i < list.length; i++) {
    const command = list[i] as Command;
    const path = `${prefix}[${i}]`;
    if (command === target) return `${command.kind} at ${path}`;
    if (command.kind === 'Atomic' || command.kind === 'Sequence') {
      const inner = describeIn(command.commands, `${path}.commands`, target);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

const CRLF = /\r\n?/g;

/** Builds the AST from the tokens the scanning loop hands over; records errors by phase. */
class Builder {
  private readonly pool: Frame[] = [];
  private depth = 0;
  private top: Frame | undefined;
  private errorPhase = P_NONE;
  private error: SyncMLError | undefined;
  /** The phase an error thrown now belongs to. */
  private phase = P_ROOT;
  private hdrSeen = false;
  private bodySeen = false;
  private header: SyncHdr | undefined;
  private readonly body: Command[] = [];
  private final = false;
  /** Each CmdID and the command that took it (described only when another one reuses it). */
  private readonly ids = new Map<number, Command>();

  constructor(
    private readonly xml: string,
    /** Whether the text holds a CR, so that extracted text needs XML end-of-line handling. */
    private readonly hasCR: boolean,
  ) {}

  private record(error: unknown, phase: number): void {
    if (!(error instanceof SyncMLError)) throw error;
    if (phase < this.errorPhase) {
      this.errorPhase = phase;
      this.error = error;
    }
  }

  /** Opens a frame one level down, reusing the pooled one. */
  private push(
    kind: number,
    phase: number,
    name: string,
    parent: Frame | undefined,
    step: string,
    index: number,
    slot: number,
    value: FrameValue,
    start: number,
  ): void {
    let frame = this.pool[this.depth];
    if (frame === undefined) {
      frame = new Frame();
      this.pool.push(frame);
    }
    frame.kind = kind;
    frame.phase = phase;
    frame.name = name;
    frame.parent = parent;
    frame.step = step;
    frame.index = index;
    frame.slot = slot;
    frame.value = value;
    frame.start = start;
    frame.text = '';
    frame.allowed = kind === CMD ? ALLOWED[name] : undefined;
    this.depth++;
    this.top = frame;
  }

  private skip(parent: Frame | undefined): void {
    this.push(SKIP, parent === undefined ? P_ROOT : parent.phase, '', parent, '', -1, 0, undefined, 0);
  }

  private leaf(parent: Frame, name: string, slot: number, step: string, index = -1, value: FrameValue = undefined): void {
    this.push(LEAF, parent.phase, name, parent, step, index, slot, value, 0);
  }

  private flag(parent: Frame, name: string, slot: number, step: string): void {
    this.push(FLAG, parent.phase, name, parent, step, -1, slot, undefined, 0);
  }

  private normalise(text: string): string {
    return this.hasCR && text.includes('\r') ? text.replace(CRLF, '\n') : text;
  }

  /** A start tag; `end` is the offset after it (where a `Data` payload starts). */
  open(name: string, xmlns: string | undefined, end: number): void {
    const parent = this.top;
    if (parent !== undefined && (parent.kind === SKIP || parent.phase >= this.errorPhase)) {
      this.skip(parent);
      return;
    }
    this.phase = parent === undefined ? P_ROOT : parent.phase;
    try {
      if (parent === undefined) this.openRoot(name, xmlns);
      else this.openChild(parent, name, xmlns, end);
    } catch (error) {
      this.record(error, this.phase);
      this.skip(parent);
    }
  }

  private openRoot(name: string, xmlns: string | undefined): void {
    if (name !== 'SyncML') throw new SyncMLRootError(`The root element is <${name}>; expected <SyncML>`);
    checkRootNamespace(xmlns === undefined ? undefined : this.normalise(xmlns));
    this.push(ROOT, P_ROOT_CHILDREN, name, undefined, '', -1, 0, undefined, 0);
  }

  /**
   * Checks a namespace declaration; the path (of `frame`, then `suffix` and `[index]`) is only
   * built when the declaration is not the usual spelling.
   */
  private ns(
    xmlns: string | undefined,
    name: string,
    allowed: readonly string[],
    frame: Frame | undefined,
    suffix = '',
    index = -1,
  ): void {
    if (xmlns !== undefined && !allowed.includes(xmlns)) {
      checkNamespace(this.normalise(xmlns), name, allowed, pathAt(frame, suffix, index));
    }
  }

  private openChild(parent: Frame, name: string, xmlns: string | undefined, end: number): void {
    switch (parent.kind) {
      case ROOT:
        return this.openInRoot(parent, name, xmlns);
      case HDR:
        return this.openInHeader(parent, name, xmlns);
      case BODY:
        return this.openInBody(parent, name, xmlns);
      case CMD:
        return this.openInCommand(parent, name, xmlns, end);
      case ITEM:
        return this.openInItem(parent, name, xmlns, end);
      case LOC: {
        const parts = parent.value as LocationParts;
        this.ns(xmlns, name, IN_SYNCML, parent);
        if (name === 'LocURI') {
          if (parts.locURI !== undefined) throw duplicate(name, pathOf(parent));
          return this.leaf(parent, name, L_LOCURI, '.locURI');
        }
        if (name === 'LocName') {
          if (parts.locName !== undefined) throw duplicate(name, pathOf(parent));
          return this.leaf(parent, name, L_LOCNAME, '.locName');
        }
        throw unknown(name, parent.name, pathOf(parent));
      }
      case META:
        return this.openMetaChild(parent, parent.value as Meta, name, xmlns, '', META_STEP);
      case CHAL: {
        const parts = parent.value as ChalParts;
        if (name !== 'Meta') throw unknown(name, 'Chal', pathOf(parent));
        if (parts.meta !== undefined) throw duplicate(name, pathOf(parent));
        this.ns(xmlns, name, IN_META, parent, '.meta');
        parts.meta = {};
        return this.push(META, parent.phase, name, parent, '.meta', -1, 0, parts.meta, 0);
      }
      case CRED: {
        const parts = parent.value as CredParts;
        if (name === 'Meta') {
          if (parts.meta !== undefined) throw duplicate(name, pathOf(parent));
          this.ns(xmlns, name, IN_META, parent, '.meta');
          parts.meta = {};
          return this.push(META, parent.phase, name, parent, '.meta', -1, 0, parts.meta, 0);
        }
        if (name === 'Data') {
          this.ns(xmlns, name, IN_SYNCML, parent);
          if (parts.data !== undefined) throw duplicate(name, pathOf(parent));
          return this.push(DATA, parent.phase, name, parent, '', -1, CR_DATA, undefined, end);
        }
        throw unknown(name, 'Cred', pathOf(parent));
      }
      case LEAF:
        throw notText(parent.name, pathOf(parent), name);
      case FLAG:
        throw notEmpty(parent.name, pathOf(parent), name);
      default:
        // DATA frames never see children (their content is raw); SKIP was handled by open().
        return this.skip(parent);
    }
  }

  private openInRoot(parent: Frame, name: string, xmlns: string | undefined): void {
    if (name === 'SyncHdr') {
      if (this.hdrSeen) throw duplicate(name, 'the root');
      this.hdrSeen = true;
      this.phase = P_HEADER;
      this.ns(xmlns, name, IN_SYNCML, undefined, 'header');
      const parts: HeaderFrameParts = { seen: 0 };
      return this.push(HDR, P_HEADER, name, parent, 'header', -1, 0, parts, 0);
    }
    if (name === 'SyncBody') {
      if (this.bodySeen) throw duplicate(name, 'the root');
      this.bodySeen = true;
      this.phase = P_BODY;
      this.ns(xmlns, name, IN_SYNCML, undefined, 'body');
      return this.push(BODY, P_BODY, name, parent, 'body', -1, 0, undefined, 0);
    }
    throw unknown(name, 'SyncML', 'the root');
  }

  private openInHeader(parent: Frame, name: string, xmlns: string | undefined): void {
    const parts = parent.value as HeaderFrameParts;
    const bit = headerBit(name);
    if ((parts.seen & bit) !== 0) throw duplicate(name, 'header');
    parts.seen |= bit;
    if (name !== 'Meta') this.ns(xmlns, name, IN_SYNCML, undefined, 'header');
    switch (name) {
      case 'VerDTD':
        return this.leaf(parent, name, H_VERDTD, '.verDTD');
      case 'VerProto':
        return this.leaf(parent, name, H_VERPROTO, '.verProto');
      case 'SessionID':
        return this.leaf(parent, name, H_SESSIONID, '.sessionId');
      case 'MsgID':
        return this.leaf(parent, name, H_MSGID, '.msgId');
      case 'RespURI':
        return this.leaf(parent, name, H_RESPURI, '.respURI');
      case 'NoResp':
        return this.flag(parent, name, H_NORESP, '.noResp');
      case 'Target':
      case 'Source': {
        const location: LocationParts = { locURI: undefined, locName: undefined };
        const [slot, step] = name === 'Target' ? [H_TARGET, '.target'] : [H_SOURCE, '.source'];
        return this.push(LOC, parent.phase, name, parent, step, -1, slot, location, 0);
      }
      case 'Cred': {
        const cred: CredParts = { meta: undefined, data: undefined };
        return this.push(CRED, parent.phase, name, parent, '.cred', -1, 0, cred, 0);
      }
      case 'Meta': {
        this.ns(xmlns, name, IN_META, undefined, 'header.meta');
        parts.meta = {};
        return this.push(META, parent.phase, name, parent, '.meta', -1, 0, parts.meta, 0);
      }
      default:
        throw unknown(name, 'SyncHdr', 'header');
    }
  }

  private openInBody(parent: Frame, name: string, xmlns: string | undefined): void {
    if (name === 'Final') {
      this.ns(xmlns, name, IN_SYNCML, undefined, 'body');
      if (this.final) throw duplicate(name, 'body');
      return this.flag(parent, name, B_FINAL, 'final');
    }
    const index = this.body.length;
    if (!isCommandName(name)) throw notACommand(name, `body[${index}]`);
    this.ns(xmlns, name, IN_SYNCML, undefined, 'body', index);
    this.push(CMD, parent.phase, name, parent, '', index, 0, collected(), 0);
  }

  private openInCommand(parent: Frame, name: string, xmlns: string | undefined, end: number): void {
    const c = parent.value as Collected;
    const kind = parent.name;
    const container = kind === 'Atomic' || kind === 'Sequence';
    if (container && isCommandName(name)) {
      const index = c.commands.length;
      this.ns(xmlns, name, IN_SYNCML, parent, '.commands', index);
      return this.push(CMD, parent.phase, name, parent, '.commands', index, 0, collected(), 0);
    }
    if (!(parent.allowed?.has(name) ?? false)) {
      if (container) throw notACommand(name, `${pathOf(parent)}.commands[${c.commands.length}]`);
      throw unknown(name, kind, pathOf(parent));
    }
    if (name === 'Item') {
      const index = c.items.length;
      this.ns(xmlns, name, IN_SYNCML, parent, '.items', index);
      const parts: ItemParts = { item: {}, meta: undefined, sawMeta: false };
      return this.push(ITEM, parent.phase, name, parent, '.items', index, 0, parts, 0);
    }
    this.ns(xmlns, name, name === 'Meta' ? IN_META : IN_SYNCML, parent);
    switch (name) {
      case 'CmdID':
        if (c.cmdId !== undefined) throw duplicate(name, pathOf(parent));
        return this.leaf(parent, name, C_CMDID, '.cmdId');
      case 'NoResp':
        if (c.noResp !== undefined) throw duplicate(name, pathOf(parent));
        return this.flag(parent, name, C_NORESP, '.noResp');
      case 'Meta':
        if (c.meta !== undefined) throw duplicate(name, pathOf(parent));
        c.meta = {};
        return this.push(META, parent.phase, name, parent, '.meta', -1, 0, c.meta, 0);
      case 'Data':
        if (c.data !== undefined) throw duplicate(name, pathOf(parent));
        return this.push(DATA, parent.phase, name, parent, '', -1, C_DATA, undefined, end);
      case 'Correlator':
        if (c.correlator !== undefined) throw duplicate(name, pathOf(parent));
        return this.leaf(parent, name, C_CORRELATOR, '.correlator');
      case 'MsgRef':
        if (c.msgRef !== undefined) throw duplicate(name, pathOf(parent));
        return this.leaf(parent, name, C_MSGREF, '.msgRef');
      case 'CmdRef':
        if (c.cmdRef !== undefined) throw duplicate(name, pathOf(parent));
        return this.leaf(parent, name, C_CMDREF, '.cmdRef');
      case 'Cmd':
        if (c.cmd !== undefined) throw duplicate(name, pathOf(parent));
        return this.leaf(parent, name, C_CMD, '.cmd');
      case 'TargetRef':
        return this.leaf(parent, name, C_TARGETREF, '.targetRefs', c.targetRefs.length);
      case 'SourceRef':
        return this.leaf(parent, name, C_SOURCEREF, '.sourceRefs', c.sourceRefs.length);
      default: {
        // Chal, the only other name ALLOWED lets through.
        if (c.chal !== undefined) throw duplicate(name, pathOf(parent));
        const chal: ChalParts = { meta: undefined };
        return this.push(CHAL, parent.phase, name, parent, '.chal', -1, 0, chal, 0);
      }
    }
  }

  private openInItem(parent: Frame, name: string, xmlns: string | undefined, end: number): void {
    const parts = parent.value as ItemParts;
    const item = parts.item;
    switch (name) {
      case 'Target':
      case 'Source': {
        const key = name === 'Target' ? 'target' : 'source';
        if (item[key] !== undefined) throw duplicate(name, pathOf(parent));
        this.ns(xmlns, name, IN_SYNCML, parent, `.${key}`);
        const location: LocationParts = { locURI: undefined, locName: undefined };
        const [slot, step] = key === 'target' ? [I_TARGET, '.target'] : [I_SOURCE, '.source'];
        return this.push(LOC, parent.phase, name, parent, step, -1, slot, location, 0);
      }
      case 'Meta': {
        if (parts.sawMeta) throw duplicate(name, pathOf(parent));
        parts.sawMeta = true;
        this.ns(xmlns, name, IN_META, parent, '.meta');
        parts.meta ??= {};
        item.meta = parts.meta;
        return this.push(META, parent.phase, name, parent, '.meta', -1, 0, parts.meta, 0);
      }
      case 'Data':
        this.ns(xmlns, name, IN_SYNCML, parent);
        if (item.data !== undefined) throw duplicate(name, pathOf(parent));
        return this.push(DATA, parent.phase, name, parent, '', -1, I_DATA, undefined, end);
      case 'MoreData':
        this.ns(xmlns, name, IN_SYNCML, parent);
        if (item.moreData !== undefined) throw duplicate(name, pathOf(parent));
        return this.flag(parent, name, I_MOREDATA, '.moreData');
      default: {
        // [MS-MDM]'s own example puts a metinf Type directly in Item; it can only mean Item's Meta.
        if (!METINF_NAMES.has(name)) throw unknown(name, 'Item', pathOf(parent));
        parts.meta ??= {};
        item.meta = parts.meta;
        return this.openMetaChild(parent, parts.meta, name, xmlns, '.meta', ITEM_META_STEP);
      }
    }
  }

  /** A metinf element in `meta`, whose path is that of `parent` then `suffix` (`.meta` when the parent is an Item). */
  private openMetaChild(
    parent: Frame,
    meta: Meta,
    name: string,
    xmlns: string | undefined,
    suffix: string,
    steps: Readonly<Record<MetaKey, string>>,
  ): void {
    this.ns(xmlns, name, IN_METINF, parent, suffix);
    const key = metaKeyOf(name);
    if (key === undefined) throw unknown(name, 'Meta', pathAt(parent, suffix, -1));
    if (meta[key] !== undefined) throw duplicate(name, pathAt(parent, suffix, -1));
    this.leaf(parent, name, M_FIELD, steps[key], -1, meta);
  }

  /** Character data inside the root (not in a payload), references not yet decoded. */
  text(from: number, to: number, hasAmp: boolean): void {
    const top = this.top;
    if (top === undefined || top.kind !== LEAF || top.phase >= this.errorPhase) return;
    const raw = this.normalise(this.xml.slice(from, to));
    top.text += hasAmp ? decodeReferences(raw) : raw;
  }

  /**
   * The text `[from, to)` and the end tag at `to` of an element with no other content (`from`
   * equals `to` when it is empty): {@link text} then {@link close}, without building up the text.
   */
  textAndClose(from: number, to: number, hasAmp: boolean): void {
    const top = this.top;
    if (top !== undefined && top.kind === LEAF && top.phase < this.errorPhase && from < to) {
      const raw = this.normalise(this.xml.slice(from, to));
      top.text = hasAmp ? decodeReferences(raw) : raw;
    }
    this.close(to);
  }

  /** A CDATA section's content. */
  cdata(from: number, to: number): void {
    const top = this.top;
    if (top === undefined || top.kind !== LEAF || top.phase >= this.errorPhase) return;
    top.text += this.normalise(this.xml.slice(from, to));
  }

  /** An end tag (or the end of an empty-element tag); `lt` is where it starts (where a payload ends). */
  close(lt: number): void {
    const frame = this.pool[--this.depth] as Frame;
    this.top = this.depth === 0 ? undefined : this.pool[this.depth - 1];
    if (frame.kind === SKIP || frame.phase >= this.errorPhase) return;
    try {
      this.finish(frame, lt);
    } catch (error) {
      this.record(error, frame.phase);
    }
  }

  private finish(frame: Frame, lt: number): void {
    const parent = frame.parent as Frame;
    switch (frame.kind) {
      case LEAF:
        return this.deliverText(frame, parent, trimXml(frame.text));
      case FLAG:
        switch (frame.slot) {
          case H_NORESP:
            (parent.value as HeaderFrameParts).noResp = true;
            return;
          case C_NORESP:
            (parent.value as Collected).noResp = true;
            return;
          case I_MOREDATA:
            (parent.value as ItemParts).item.moreData = true;
            return;
          default:
            this.final = true;
            return;
        }
      case DATA: {
        const data = dataText(this.normalise(this.xml.slice(frame.start, lt)));
        switch (frame.slot) {
          case I_DATA:
            (parent.value as ItemParts).item.data = data;
            return;
          case C_DATA:
            // Alert and Status data are codes: trimmed like every other leaf.
            (parent.value as Collected).data = trimXml(data);
            return;
          default:
            (parent.value as CredParts).data = data;
            return;
        }
      }
      case LOC: {
        const parts = frame.value as LocationParts;
        const { locURI, locName } = parts;
        if (locURI === undefined) throw noLocURI(frame.name, pathOf(frame));
        const location: Location = locName === undefined ? { locURI } : { locURI, locName };
        switch (frame.slot) {
          case H_TARGET:
            (parent.value as HeaderFrameParts).target = location;
            return;
          case H_SOURCE:
            (parent.value as HeaderFrameParts).source = location;
            return;
          case I_TARGET:
            (parent.value as ItemParts).item.target = location;
            return;
          default:
            (parent.value as ItemParts).item.source = location;
            return;
        }
      }
      case ITEM:
        (parent.value as Collected).items.push(canonicalItem((frame.value as ItemParts).item));
        return;
      case CMD: {
        const name = frame.name;
        const c = frame.value as Collected;
        const cmdId = commandId(c.cmdId, name, frame);
        const first = this.ids.get(cmdId);
        if (first !== undefined) throw cmdIdReused(name, pathOf(frame), cmdId, this.describe(first, frame));
        const command = buildCommand(name, cmdId, c, frame);
        this.ids.set(cmdId, command);
        if (parent.kind === BODY) this.body.push(command);
        else (parent.value as Collected).commands.push(command);
        return;
      }
      case CHAL: {
        const { meta } = frame.value as ChalParts;
        if (meta === undefined) throw noChalMeta(pathOf(frame));
        (parent.value as Collected).chal = { meta };
        return;
      }
      case CRED: {
        const { meta, data } = frame.value as CredParts;
        if (data === undefined) throw noCredData(pathOf(frame));
        (parent.value as HeaderFrameParts).cred = meta === undefined ? { data } : { meta, data };
        return;
      }
      case HDR: {
        this.header = finishHeader(frame.value as HeaderFrameParts);
        return;
      }
      default:
        // ROOT, BODY, META: nothing left to do (Meta fills its object as it goes).
        return;
    }
  }

  private deliverText(frame: Frame, parent: Frame, text: string): void {
    switch (frame.slot) {
      case M_FIELD: {
        const meta = frame.value as Meta;
        const key = metaKeyOf(frame.name) as MetaKey;
        if (!isMetaNumberKey(key)) {
          meta[key] = text;
          return;
        }
        const n = nonNegativeInteger(text);
        if (n === undefined) {
          // Throws the invalid-number error; the path is that of the Meta the field belongs to.
          setMetaValue(meta, frame.name, key, text, parent.kind === META ? pathOf(parent) : `${pathOf(parent)}.meta`);
          return;
        }
        meta[key] = n;
        return;
      }
      case L_LOCURI:
        (parent.value as LocationParts).locURI = text;
        return;
      case L_LOCNAME:
        (parent.value as LocationParts).locName = text;
        return;
      case C_CMDID:
        (parent.value as Collected).cmdId = text;
        return;
      case C_CORRELATOR:
        (parent.value as Collected).correlator = text;
        return;
      case C_MSGREF:
        (parent.value as Collected).msgRef = text;
        return;
      case C_CMDREF:
        (parent.value as Collected).cmdRef = text;
        return;
      case C_CMD:
        (parent.value as Collected).cmd = text;
        return;
      case C_TARGETREF:
        (parent.value as Collected).targetRefs.push(text);
        return;
      case C_SOURCEREF:
        (parent.value as Collected).sourceRefs.push(text);
        return;
      case H_VERDTD:
        (parent.value as HeaderFrameParts).verDTD = text;
        return;
      case H_VERPROTO:
        (parent.value as HeaderFrameParts).verProto = text;
        return;
      case H_SESSIONID:
        (parent.value as HeaderFrameParts).sessionId = text;
        return;
      case H_MSGID:
        (parent.value as HeaderFrameParts).msgId = text;
        return;
      default:
        (parent.value as HeaderFrameParts).respURI = text;
        return;
    }
  }

  /**
   * `Get at body[0].commands[1]` for a command already finished: it is in the body, among the
   * finished commands of a container still open, or among those of `closing`, the container
   * being finished.
   */
  private describe(target: Command, closing: Frame): string {
    const found = describeIn(this.body, 'body', target);
    if (found !== undefined) return found;
    for (let d = 0; d <= this.depth; d++) {
      const frame = d === this.depth ? closing : (this.pool[d] as Frame);
      if (frame.kind !== CMD) continue;
      const inner = describeIn((frame.value as Collected).commands, `${pathOf(frame)}.commands`, target);
      if (inner !== undefined) return inner;
    }
    return 'another command';
  }

  /** The message, or the error the reference reader would have met first. */
  result(): SyncMLMessage {
    if (this.errorPhase <= P_ROOT_CHILDREN && this.error !== undefined) throw this.error;
    if (!this.hdrSeen) throw new SyncMLMissingElementError('<SyncML> has no SyncHdr', { path: 'header' });
    if (!this.bodySeen) throw new SyncMLMissingElementError('<SyncML> has no SyncBody', { path: 'body' });
    if (this.error !== undefined) throw this.error;
    return { header: this.header as SyncHdr, body: this.body, final: this.final };
  }
}

/**
 * Checks character data inside the root, remembering the next `&` and `]]>` it found, so that
 * checking never searches the same stretch twice however many text nodes there are.
 */
class TextChecker {
  private amp = -1;
  private cdataClose = -1;

  constructor(private readonly xml: string) {}

  /** Throws for `]]>` or a malformed reference in `[from, to)`; returns whether the text holds a reference. */
  check(from: number, to: number): boolean {
    const xml = this.xml;
    if (this.cdataClose < from) {
      const at = xml.indexOf(']]>', from);
      this.cdataClose = at === -1 ? xml.length : at;
    }
    if (this.cdataClose < to) throw cdataEndInText(xml, this.cdataClose);
    if (this.amp < from) {
      const at = xml.indexOf('&', from);
      this.amp = at === -1 ? xml.length : at;
    }
    if (this.amp >= to) return false;
    checkReferences(xml.slice(from, to), from);
    return true;
  }
}

/** Whether `</name>` stands at `lt`. */
function isEndTagOf(xml: string, lt: number, name: string): boolean {
  if (xml.charCodeAt(lt + 1) !== 0x2f) return false;
  const at = lt + 2;
  const length = name.length;
  for (let k = 0; k < length; k++) if (xml.charCodeAt(at + k) !== name.charCodeAt(k)) return false;
  return xml.charCodeAt(at + length) === 0x3e;
}

/**
 * Reads `xml` (already decoded, BOM dropped) into the AST in one pass; every failure is the
 * `SyncMLError` the reference path (`scanXml`, fast-xml-parser, `readMessage`) throws for it.
 * `plain`: the caller knows the text to be printable ASCII, tab, CR and LF only (all XML characters).
 */
export function buildMessage(xml: string, maxDepth: number, plain = false): SyncMLMessage {
  if (!plain) checkChars(xml);
  const len = xml.length;
  let pos = skipDeclaration(xml);
  const builder = new Builder(xml, xml.includes('\r'));
  const texts = new TextChecker(xml);

  const stack: string[] = [];
  const tag: StartTag = { end: 0, selfClosing: false, xmlns: undefined };
  // Open `Data` elements below the root: their content is a payload, read raw (the reference's stop nodes).
  let dataDepth = 0;
  let rootSeen = false;

  while (pos < len) {
    // Markup mostly follows markup: look at the next character before searching.
    let lt = xml.charCodeAt(pos) === 0x3c ? pos : xml.indexOf('<', pos);
    if (lt === -1) lt = len;
    if (lt > pos) {
      if (stack.length === 0) {
        checkOuterText(xml, pos, lt, rootSeen);
      } else {
        const hasAmp = texts.check(pos, lt);
        if (dataDepth === 0) builder.text(pos, lt, hasAmp);
      }
    }
    if (lt === len) break;
    const c1 = xml.charCodeAt(lt + 1);

    if (c1 === 0x2f /* / */) {
      pos = endTag(xml, lt, stack[stack.length - 1]);
      const name = stack.pop();
      if (dataDepth === 0) {
        builder.close(lt);
      } else if (name === 'Data' && stack.length > 0) {
        dataDepth--;
        if (dataDepth === 0) builder.close(lt); // the end of the payload
      }
      continue;
    }

    if (c1 === 0x3f /* ? */) {
      pos = piEnd(xml, lt, dataDepth > 0);
      continue;
    }

    if (c1 === 0x21 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        pos = commentEnd(xml, lt, dataDepth > 0);
        continue;
      }
      if (xml.startsWith('<![CDATA[', lt)) {
        const end = cdataEnd(xml, lt, stack.length);
        if (dataDepth === 0) builder.cdata(lt + 9, end);
        pos = end + 3;
        continue;
      }
      refuseMarkup(xml, lt);
    }

    // Start tag or empty-element tag.
    const depth = stack.length;
    const name = startTagName(xml, lt, depth, rootSeen, dataDepth > 0);
    startTagRest(xml, lt, name, tag);
    if (depth + 1 > maxDepth) throw tooDeep(xml, lt, name, depth + 1, maxDepth);
    rootSeen = true;
    pos = tag.end;
    if (dataDepth === 0) builder.open(name, tag.xmlns, pos);
    if (tag.selfClosing) {
      if (dataDepth === 0) builder.close(pos);
      continue;
    }
    // Most elements are leaves, `<name>text</name>`: then their text and end tag are read here,
    // with the very checks and events the loop would go through for them one by one.
    const close = xml.charCodeAt(pos) === 0x3c ? pos : xml.indexOf('<', pos);
    if (close !== -1 && isEndTagOf(xml, close, name)) {
      const hasAmp = close > pos && texts.check(pos, close);
      // (A payload's text goes nowhere: the frame `Data` opened is no leaf, it reads the payload raw.)
      if (dataDepth === 0) builder.textAndClose(pos, close, hasAmp);
      pos = close + name.length + 3;
      continue;
    }
    if (name === 'Data' && depth > 0) dataDepth++;
    stack.push(name);
  }

  if (stack.length > 0) throw notXml(xml, len, `<${stack[stack.length - 1] ?? ''}> is not closed (input ends)`);
  if (!rootSeen) throw notXml(xml, len, 'no root element');
  return builder.result();
}

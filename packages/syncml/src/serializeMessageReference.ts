import { create } from 'xmlbuilder2';
import type { Command, Item, Location, Meta, SyncMLMessage } from './SyncMLMessage.js';
import { checkChars, checkMessage } from './checkMessage.js';

// xmlbuilder2's root entry point does not re-export its builder interface.
type XMLBuilder = ReturnType<typeof create>;

const METINF = { xmlns: 'syncml:metinf' };

/*
 * Two workarounds keep xmlbuilder2's output faithful, each through a stand-in character that no
 * valid AST can hold (U+FFFE and U+FFFF are not XML characters; `checkChars` runs first):
 * - its text serializer leaves an `&` unescaped when what follows looks like an entity reference
 *   ("no double encoding"), so the data `a=1&amp;b=2` would reach the device as `a=1&b=2`;
 * - a DOM has no node for a character reference, and a raw CR would be read back as LF.
 * Text goes into the DOM with `&` as U+FFFE and CR as U+FFFF; the output gets `&amp;` and `&#13;`.
 */
const AMP_STANDIN = '\uFFFE';
const CR_STANDIN = '\uFFFF';
const STANDINS = /[\uFFFE\uFFFF]/g;

function text(value: string): string {
  if (!value.includes('&') && !value.includes('\r')) return value;
  return value.replaceAll('&', AMP_STANDIN).replaceAll('\r', CR_STANDIN);
}

function leaf(parent: XMLBuilder, name: string, value: string): void {
  parent.ele(name).txt(text(value));
}

function data(parent: XMLBuilder, value: string): void {
  const el = parent.ele('Data');
  if (!value.includes('<')) {
    el.txt(text(value));
    return;
  }
  const runs = value.split('\r');
  for (let r = 0; r < runs.length; r++) {
    if (r > 0) el.txt(CR_STANDIN);
    const run = runs[r] ?? '';
    if (run === '') continue;
    // A CDATA section cannot hold "]]>": end the section after "]]" and start the next with ">".
    const pieces = run.split(']]>');
    for (let i = 0; i < pieces.length; i++) {
      const head = i === 0 ? '' : '>';
      const tail = i === pieces.length - 1 ? '' : ']]';
      el.dat(head + (pieces[i] ?? '') + tail);
    }
  }
}

function meta(parent: XMLBuilder, m: Meta): void {
  const el = parent.ele('Meta');
  if (m.format !== undefined) el.ele('Format', METINF).txt(text(m.format));
  if (m.type !== undefined) el.ele('Type', METINF).txt(text(m.type));
  if (m.mark !== undefined) el.ele('Mark', METINF).txt(text(m.mark));
  if (m.size !== undefined) el.ele('Size', METINF).txt(String(m.size));
  if (m.version !== undefined) el.ele('Version', METINF).txt(text(m.version));
  if (m.nextNonce !== undefined) el.ele('NextNonce', METINF).txt(text(m.nextNonce));
  if (m.maxMsgSize !== undefined) el.ele('MaxMsgSize', METINF).txt(String(m.maxMsgSize));
  if (m.maxObjSize !== undefined) el.ele('MaxObjSize', METINF).txt(String(m.maxObjSize));
}

function location(parent: XMLBuilder, name: string, l: Location): void {
  const el = parent.ele(name);
  leaf(el, 'LocURI', l.locURI);
  if (l.locName !== undefined) leaf(el, 'LocName', l.locName);
}

function item(parent: XMLBuilder, i: Item): void {
  const el = parent.ele('Item');
  if (i.target !== undefined) location(el, 'Target', i.target);
  if (i.source !== undefined) location(el, 'Source', i.source);
  if (i.meta !== undefined) meta(el, i.meta);
  if (i.data !== undefined) data(el, i.data);
  if (i.moreData === true) el.ele('MoreData');
}

function command(parent: XMLBuilder, c: Command): void {
  const el = parent.ele(c.kind);
  leaf(el, 'CmdID', String(c.cmdId));
  switch (c.kind) {
    case 'Alert':
      if (c.noResp === true) el.ele('NoResp');
      data(el, c.data);
      if (c.correlator !== undefined) leaf(el, 'Correlator', c.correlator);
      for (const i of c.items) item(el, i);
      break;
    case 'Status':
      leaf(el, 'MsgRef', String(c.msgRef));
      leaf(el, 'CmdRef', String(c.cmdRef));
      leaf(el, 'Cmd', c.cmd);
      for (const r of c.targetRefs) leaf(el, 'TargetRef', r);
      for (const r of c.sourceRefs) leaf(el, 'SourceRef', r);
      if (c.chal !== undefined) meta(el.ele('Chal'), c.chal.meta);
      data(el, c.data);
      for (const i of c.items) item(el, i);
      break;
    case 'Results':
      if (c.msgRef !== undefined) leaf(el, 'MsgRef', String(c.msgRef));
      leaf(el, 'CmdRef', String(c.cmdRef));
      if (c.cmd !== undefined) leaf(el, 'Cmd', c.cmd);
      if (c.meta !== undefined) meta(el, c.meta);
      for (const r of c.targetRefs) leaf(el, 'TargetRef', r);
      for (const r of c.sourceRefs) leaf(el, 'SourceRef', r);
      for (const i of c.items) item(el, i);
      break;
    case 'Atomic':
    case 'Sequence':
      if (c.noResp === true) el.ele('NoResp');
      if (c.meta !== undefined) meta(el, c.meta);
      for (const inner of c.commands) command(el, inner);
      break;
    case 'Exec':
      if (c.noResp === true) el.ele('NoResp');
      if (c.meta !== undefined) meta(el, c.meta);
      if (c.correlator !== undefined) leaf(el, 'Correlator', c.correlator);
      for (const i of c.items) item(el, i);
      break;
    default:
      if (c.noResp === true) el.ele('NoResp');
      if (c.meta !== undefined) meta(el, c.meta);
      for (const i of c.items) item(el, i);
  }
}

/**
 * The same canonical document as {@link serializeMessage}, built through xmlbuilder2's DOM. It exists
 * as an independent oracle: a differential test proves both produce byte-identical output, so the
 * fast string writer cannot drift from what a DOM serializer writes. Too slow for the check-in
 * path; use it in tests and tools. (Two xmlbuilder2 behaviours are worked around, see the source:
 * it would leave `&amp;` in data unescaped, and it cannot write a CR.)
 *
 * @throws {SyncMLError} exactly when {@link serializeMessage} throws, with the same code.
 *
 * @example
 * ```ts
 * expect(serializeMessage(message)).toBe(serializeMessageReference(message));
 * ```
 */
export function serializeMessageReference(message: SyncMLMessage): string {
  checkMessage(message);
  checkChars(message);
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele('SyncML', { xmlns: 'SYNCML:SYNCML1.2' });
  const h = message.header;
  const hdr = root.ele('SyncHdr');
  leaf(hdr, 'VerDTD', h.verDTD);
  leaf(hdr, 'VerProto', h.verProto);
  leaf(hdr, 'SessionID', h.sessionId);
  leaf(hdr, 'MsgID', String(h.msgId));
  location(hdr, 'Target', h.target);
  location(hdr, 'Source', h.source);
  if (h.respURI !== undefined) leaf(hdr, 'RespURI', h.respURI);
  if (h.noResp === true) hdr.ele('NoResp');
  if (h.cred !== undefined) {
    const cred = hdr.ele('Cred');
    if (h.cred.meta !== undefined) meta(cred, h.cred.meta);
    data(cred, h.cred.data);
  }
  if (h.meta !== undefined) meta(hdr, h.meta);
  const body = root.ele('SyncBody');
  for (const c of message.body) command(body, c);
  if (message.final) body.ele('Final');
  const out = doc.end({ prettyPrint: false });
  return out.replace(STANDINS, (ch) => (ch === AMP_STANDIN ? '&amp;' : '&#13;'));
}

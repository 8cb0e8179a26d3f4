/**
 * What both serializers check so that whatever they write, `parseMessage` reads back: numbers that
 * must be integers, CmdIDs unique and non-zero, known command kinds, characters XML can carry.
 * A hand-built AST (or one from JavaScript callers) that breaks these is refused with the same
 * error codes the parser would use. Internal to the package.
 */
import type { Command, Item, Location, Meta, SyncMLMessage } from './SyncMLMessage.js';
import {
  SyncMLCmdIdDuplicateError,
  SyncMLCmdIdInvalidError,
  SyncMLInvalidCharError,
  SyncMLInvalidNumberError,
  SyncMLMsgIdError,
  SyncMLStatusRefError,
  SyncMLUnknownElementError,
  SyncMLVersionError,
} from './SyncMLError.js';
import { UnrepresentableCharError, describeChar, findInvalidChar } from './xmlChars.js';

function isCount(n: unknown): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

// Paths are only built once something is wrong: this check runs on every serialization. The
// trail holds the way down (`body`, 3, `commands`, 0, ...) and is turned into a path on error.
type Trail = (string | number)[];

function pathOf(trail: Trail, ...more: string[]): string {
  let out = '';
  for (const step of [...trail, ...more]) out += typeof step === 'number' ? `[${step}]` : out === '' ? step : `.${step}`;
  return out;
}

const META_NUMBERS = ['size', 'maxObjSize', 'maxMsgSize'] as const;

/** Checks the Meta at `trail` + `step` (pushed and popped around the check: no allocation). */
function checkMeta(meta: Meta | undefined, trail: Trail, step?: string): void {
  if (meta === undefined) return;
  for (const key of META_NUMBERS) {
    const n = meta[key];
    if (n !== undefined && !isCount(n)) {
      const at = step === undefined ? pathOf(trail, key) : pathOf(trail, step, key);
      throw new SyncMLInvalidNumberError(`${at} is ${String(n)}; expected an integer ≥ 0`, { path: at });
    }
  }
}

function checkItems(items: readonly Item[], trail: Trail): void {
  for (let i = 0; i < items.length; i++) {
    const meta = items[i]?.meta;
    if (meta === undefined) continue;
    trail.push('items', i, 'meta');
    checkMeta(meta, trail);
    trail.length -= 3;
  }
}

function checkRef(n: unknown, field: 'msgRef' | 'cmdRef', kind: string, trail: Trail): void {
  if (!isCount(n)) {
    throw new SyncMLStatusRefError(`${kind} at ${pathOf(trail)} has ${field} ${String(n)}; expected an integer ≥ 0`, {
      path: pathOf(trail, field),
    });
  }
}

const KINDS = new Set(['Alert', 'Status', 'Results', 'Add', 'Replace', 'Delete', 'Get', 'Copy', 'Exec', 'Atomic', 'Sequence']);

/** `Get at body[0].commands[1]` for the first command carrying `cmdId`, in document order. */
function firstWithCmdId(commands: readonly Command[], prefix: string, cmdId: number): string | undefined {
  for (let i = 0; i < commands.length; i++) {
    const c = commands[i] as Command;
    if (c.cmdId === cmdId) return `${c.kind} at ${prefix}[${i}]`;
    if (c.kind === 'Atomic' || c.kind === 'Sequence') {
      const inner = firstWithCmdId(c.commands, `${prefix}[${i}].commands`, cmdId);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

function checkCommands(commands: readonly Command[], trail: Trail, ids: Set<number>, body: readonly Command[]): void {
  for (let i = 0; i < commands.length; i++) {
    const command = commands[i] as Command;
    trail.push(i);
    const kind: string = command.kind;
    if (!KINDS.has(kind)) {
      throw new SyncMLUnknownElementError(`${pathOf(trail)} has kind "${kind}", which is not a SyncML command`, {
        path: pathOf(trail),
      });
    }
    const id = command.cmdId;
    if (!isCount(id) || id === 0) {
      throw new SyncMLCmdIdInvalidError(`${kind} at ${pathOf(trail)} has CmdID ${String(id)}; a CmdID is an integer ≥ 1`, {
        path: pathOf(trail, 'cmdId'),
      });
    }
    if (ids.has(id)) {
      throw new SyncMLCmdIdDuplicateError(
        `${kind} at ${pathOf(trail)} reuses CmdID ${id} of ${firstWithCmdId(body, 'body', id) ?? 'another command'}`,
        { path: pathOf(trail, 'cmdId') },
      );
    }
    ids.add(id);
    switch (command.kind) {
      case 'Status':
        checkRef(command.msgRef, 'msgRef', kind, trail);
        checkRef(command.cmdRef, 'cmdRef', kind, trail);
        if (command.chal !== undefined) checkMeta(command.chal.meta, trail, 'chal.meta');
        checkItems(command.items, trail);
        break;
      case 'Results':
        if (command.msgRef !== undefined) checkRef(command.msgRef, 'msgRef', kind, trail);
        checkRef(command.cmdRef, 'cmdRef', kind, trail);
        checkMeta(command.meta, trail, 'meta');
        checkItems(command.items, trail);
        break;
      case 'Alert':
        checkItems(command.items, trail);
        break;
      case 'Atomic':
      case 'Sequence':
        checkMeta(command.meta, trail, 'meta');
        trail.push('commands');
        checkCommands(command.commands, trail, ids, body);
        trail.pop();
        break;
      default:
        checkMeta(command.meta, trail, 'meta');
        checkItems(command.items, trail);
    }
    trail.pop();
  }
}

/** Throws the parser's error codes for anything in `message` that would not read back. */
export function checkMessage(message: SyncMLMessage): void {
  const { header } = message;
  if (header.verDTD !== '1.2') {
    throw new SyncMLVersionError(`header.verDTD is "${String(header.verDTD)}"; expected 1.2`, { path: 'header.verDTD' });
  }
  if (header.verProto !== 'DM/1.2') {
    throw new SyncMLVersionError(`header.verProto is "${String(header.verProto)}"; expected DM/1.2`, {
      path: 'header.verProto',
    });
  }
  if (!isCount(header.msgId) || header.msgId === 0) {
    throw new SyncMLMsgIdError(`header.msgId is ${String(header.msgId)}; expected an integer ≥ 1`, {
      path: 'header.msgId',
    });
  }
  checkMeta(header.meta, ['header'], 'meta');
  checkMeta(header.cred?.meta, ['header'], 'cred.meta');
  checkCommands(message.body, ['body'], new Set(), message.body);
}

/**
 * Every string of the AST with its path, in document (serialization) order; only walked to
 * explain an error. `command` alone: paths start at `command`.
 */
function* strings(message: SyncMLMessage | { command: Command }): Generator<[string, string]> {
  function* meta(m: Meta | undefined, path: string): Generator<[string, string]> {
    if (m === undefined) return;
    for (const key of ['format', 'type', 'mark', 'version', 'nextNonce'] as const) {
      const value = m[key];
      if (value !== undefined) yield [`${path}.${key}`, value];
    }
  }
  function* location(l: Location | undefined, path: string): Generator<[string, string]> {
    if (l === undefined) return;
    yield [`${path}.locURI`, l.locURI];
    if (l.locName !== undefined) yield [`${path}.locName`, l.locName];
  }
  function* items(list: readonly Item[], path: string): Generator<[string, string]> {
    for (let i = 0; i < list.length; i++) {
      const item = list[i] as Item;
      const p = `${path}.items[${i}]`;
      yield* location(item.target, `${p}.target`);
      yield* location(item.source, `${p}.source`);
      yield* meta(item.meta, `${p}.meta`);
      if (item.data !== undefined) yield [`${p}.data`, item.data];
    }
  }
  function* commands(list: readonly Command[], prefix: string): Generator<[string, string]> {
    for (let i = 0; i < list.length; i++) {
      const c = list[i] as Command;
      const p = `${prefix}[${i}]`;
      switch (c.kind) {
        case 'Alert':
          yield [`${p}.data`, c.data];
          if (c.correlator !== undefined) yield [`${p}.correlator`, c.correlator];
          yield* items(c.items, p);
          break;
        case 'Status':
          yield [`${p}.cmd`, c.cmd];
          for (let j = 0; j < c.targetRefs.length; j++) yield [`${p}.targetRefs[${j}]`, c.targetRefs[j] ?? ''];
          for (let j = 0; j < c.sourceRefs.length; j++) yield [`${p}.sourceRefs[${j}]`, c.sourceRefs[j] ?? ''];
          yield* meta(c.chal?.meta, `${p}.chal.meta`);
          yield [`${p}.data`, c.data];
          yield* items(c.items, p);
          break;
        case 'Results':
          if (c.cmd !== undefined) yield [`${p}.cmd`, c.cmd];
          yield* meta(c.meta, `${p}.meta`);
          for (let j = 0; j < c.targetRefs.length; j++) yield [`${p}.targetRefs[${j}]`, c.targetRefs[j] ?? ''];
          for (let j = 0; j < c.sourceRefs.length; j++) yield [`${p}.sourceRefs[${j}]`, c.sourceRefs[j] ?? ''];
          yield* items(c.items, p);
          break;
        case 'Atomic':
        case 'Sequence':
          yield* meta(c.meta, `${p}.meta`);
          yield* commands(c.commands, `${p}.commands`);
          break;
        case 'Exec':
          yield* meta(c.meta, `${p}.meta`);
          if (c.correlator !== undefined) yield [`${p}.correlator`, c.correlator];
          yield* items(c.items, p);
          break;
        default:
          yield* meta(c.meta, `${p}.meta`);
          yield* items(c.items, p);
      }
    }
  }
  if ('command' in message) {
    for (const [path, value] of commands([message.command], 'command')) {
      yield [path.replace(/^command\[0\]/, 'command'), value];
    }
    return;
  }
  const h = message.header;
  yield ['header.sessionId', h.sessionId];
  yield* location(h.target, 'header.target');
  yield* location(h.source, 'header.source');
  if (h.respURI !== undefined) yield ['header.respURI', h.respURI];
  if (h.cred !== undefined) {
    yield* meta(h.cred.meta, 'header.cred.meta');
    yield ['header.cred.data', h.cred.data];
  }
  yield* meta(h.meta, 'header.meta');
  yield* commands(message.body, 'body');
}

/** Throws `ERR_SYNCML_INVALID_CHAR`, naming the field, for the first string XML 1.0 cannot carry. */
export function checkChars(message: SyncMLMessage | { command: Command }): void {
  for (const [path, value] of strings(message)) {
    const at = findInvalidChar(value);
    if (at !== -1) {
      throw new SyncMLInvalidCharError(
        `${path} contains ${describeChar(value, at)} at index ${at}, which XML 1.0 cannot carry`,
        { path },
      );
    }
  }
}

/**
 * Runs a writer; if it met a character XML cannot carry, throws `ERR_SYNCML_INVALID_CHAR` naming
 * the field (the first such string in document order, as the reference serializer reports it).
 */
export function withCharCheck<T>(source: SyncMLMessage | { command: Command }, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (!(error instanceof UnrepresentableCharError)) throw error;
    checkChars(source);
    throw new SyncMLInvalidCharError('The message contains a character XML 1.0 cannot carry');
  }
}


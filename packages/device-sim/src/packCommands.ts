import { commandByteLength, envelopeByteLength, type Command, type Item, type Results, type SyncHdr } from '@winmdm/syncml';
import { SimulatorProtocolError } from './DeviceSimError.js';

/** The commands that go into one message, and those left for the next. */
export interface Packed {
  body: Command[];
  rest: Command[];
}

/** Chunks smaller than this are not worth a message of their own: the rest waits for the next one. */
const MIN_CHUNK_BYTES = 64;

/**
 * Remainders of split items: their first part already went out with `Meta/Size`, so their next
 * part must not announce a size again. Internal bookkeeping, not part of the item.
 */
const continuations = new WeakSet<Item>();

function utf8Length(codeUnit: number): number {
  if (codeUnit < 0x80) return 1;
  if (codeUnit < 0x800) return 2;
  return 3; // the rest of the BMP, and a lone surrogate (written as U+FFFD); pairs are counted by the caller
}

/** The longest prefix of `text` that takes at most `maxBytes` in UTF-8, never splitting a surrogate pair. */
function prefixByBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const unit = text.charCodeAt(i);
    const pair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length;
    const size = pair ? 4 : utf8Length(unit);
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += pair ? 2 : 1;
  }
  return text.slice(0, i);
}

function chunkItem(item: Item, data: string, totalBytes: number): Item {
  const chunk: Item = { ...item, data, moreData: true };
  if (!continuations.has(item)) chunk.meta = { ...item.meta, size: totalBytes };
  return chunk;
}

function remainderItem(item: Item, data: string): Item {
  // Meta (Format, Type) travels with the first chunk only, like Size.
  const rest: Item = { data };
  if (item.source !== undefined) rest.source = item.source;
  if (item.target !== undefined) rest.target = item.target;
  continuations.add(rest);
  return rest;
}

/**
 * Splits one `Results` that does not fit in `budget` bytes: the items that fit whole, then the
 * first part of the next item (`MoreData`, `Meta/Size` on the very first part). Returns undefined
 * when not even a useful chunk fits.
 */
function splitResults(results: Results, cmdId: number, budget: number): { head: Results; tail: Results } | undefined {
  const fitted: Item[] = [];
  let index = 0;
  for (; index < results.items.length; index++) {
    const candidate: Results = { ...results, cmdId, items: [...fitted, results.items[index] as Item] };
    if (commandByteLength(candidate) > budget) break;
    fitted.push(results.items[index] as Item);
  }
  const item = results.items[index] as Item;
  const data = item.data ?? '';
  const total = Buffer.byteLength(data, 'utf8');
  const overhead = commandByteLength({ ...results, cmdId, items: [...fitted, chunkItem(item, '', total)] });
  let room = budget - overhead;
  while (room >= MIN_CHUNK_BYTES) {
    const part = prefixByBytes(data, room);
    const head: Results = { ...results, cmdId, items: [...fitted, chunkItem(item, part, total)] };
    const excess = commandByteLength(head) - budget;
    if (excess <= 0) {
      return {
        head,
        tail: { ...results, items: [remainderItem(item, data.slice(part.length)), ...results.items.slice(index + 1)] },
      };
    }
    room -= excess; // escaping made it larger than its raw bytes: shrink by the overshoot and measure again
  }
  if (fitted.length === 0) return undefined;
  return { head: { ...results, cmdId, items: fitted }, tail: { ...results, items: results.items.slice(index) } };
}

/**
 * Numbers `queue` with CmdIDs from 1 and takes as many commands as fit in one message of at most
 * `maxMsgSize` bytes (no limit when undefined). A `Results` that does not fit is split, its large
 * item sent in chunks across messages (OMA-DM large objects); any other command that does not fit
 * waits for the next message, unless the message would be empty.
 *
 * @throws {SimulatorProtocolError} when `maxMsgSize` leaves no room for even one chunk.
 */
export function packCommands(header: SyncHdr, queue: readonly Command[], maxMsgSize: number | undefined): Packed {
  if (maxMsgSize === undefined) {
    queue.forEach((command, i) => {
      command.cmdId = i + 1;
    });
    return { body: [...queue], rest: [] };
  }
  let budget = maxMsgSize - envelopeByteLength(header, true);
  const body: Command[] = [];
  for (let i = 0; i < queue.length; i++) {
    const command = queue[i] as Command;
    command.cmdId = body.length + 1;
    const size = commandByteLength(command);
    if (size <= budget) {
      body.push(command);
      budget -= size;
      continue;
    }
    if (command.kind === 'Results') {
      const split = splitResults(command, command.cmdId, budget);
      if (split !== undefined) {
        body.push(split.head);
        return { body, rest: [split.tail, ...queue.slice(i + 1)] };
      }
    }
    if (body.length === 0) {
      if (command.kind === 'Results') {
        throw new SimulatorProtocolError(`The server's MaxMsgSize (${maxMsgSize} bytes) leaves no room for a chunk of a Results`);
      }
      // A Status cannot be split: send it alone and oversized rather than never.
      body.push(command);
      return { body, rest: queue.slice(i + 1) };
    }
    return { body, rest: queue.slice(i) };
  }
  return { body, rest: [] };
}

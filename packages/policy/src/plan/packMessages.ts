import { commandByteLength, utf8ByteLength, type Command, type Item } from '@winmdm/syncml';
import type { PlannedCommand, PlannedNode } from './Plan.js';

/** A command ready to pack: built with the placeholder CmdID 1, with its measured size. */
export interface SizedCommand {
  command: Command;
  nodes: PlannedNode[];
  /** `commandByteLength(command) + CMDID_SLACK`. */
  size: number;
}

/** Commands that go into one message when they fit there together (an MSI `Add` and its `Exec`). */
export type PackUnit = readonly SizedCommand[];

/**
 * Extra bytes counted per command: commands are measured with the one-digit CmdID 1, and the
 * server renumbers them after its Statuses, assumed to need at most seven digits.
 */
export const CMDID_SLACK = 6;

/** What `packMessages` returns: the messages, and the units it could not send at all. */
export interface PackResult {
  messages: PlannedCommand[][];
  tooLarge: { unit: PackUnit; message: string }[];
}

/** What the device accepts besides its MaxMsgSize (see `PlanOptions.largeObjects` and `maxObjSize`). */
export interface ObjectLimits {
  largeObjects: boolean;
  maxObjSize?: number | undefined;
}

const NO_LIMITS: ObjectLimits = { largeObjects: true };

/** The fewest bytes of data a chunk must be able to carry for chunking to make sense. */
const MIN_CHUNK_DATA = 64;

/** The size a command is counted with. */
export function sizeOf(command: Command): number {
  return commandByteLength(command) + CMDID_SLACK;
}

function chunkable(command: Command): command is Extract<Command, { kind: 'Add' | 'Replace' | 'Exec' }> {
  return (
    (command.kind === 'Add' || command.kind === 'Replace' || command.kind === 'Exec') &&
    command.items.length === 1 &&
    command.items[0]?.data !== undefined
  );
}

/** One chunk of a large object: same command and node, a piece of the data, `Size` on the first. */
function chunkOf(command: Extract<Command, { kind: 'Add' | 'Replace' | 'Exec' }>, piece: string, first: boolean, last: boolean, totalBytes: number): Command {
  const item = command.items[0] as Item;
  const chunk: Item = {};
  if (item.target !== undefined) chunk.target = item.target;
  if (item.source !== undefined) chunk.source = item.source;
  if (first || item.meta !== undefined) chunk.meta = first ? { ...item.meta, size: totalBytes } : { ...item.meta };
  chunk.data = piece;
  if (!last) chunk.moreData = true;
  return { ...command, items: [chunk] };
}

/** Lengths never end between the two halves of a surrogate pair: a piece is cut by whole code points. */
function wholeCodePoints(text: string, pos: number, length: number): number {
  const end = pos + length;
  const before = text.charCodeAt(end - 1);
  const after = text.charCodeAt(end);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff ? length + 1 : length;
}

/**
 * The longest piece of `text` from `pos` whose chunk fits in `avail` bytes (0 if none). Binary
 * search over lengths, each candidate measured exactly as it will be serialized: the growth of a
 * piece (entity escapes, CDATA sections, `]]>` and CR splits) depends on its content, and whether
 * it goes in CDATA at all depends on whether the piece holds a `<`. Only candidates measured to
 * fit are ever returned, so the result is safe even where size is not monotonic in length.
 */
function longestFittingPiece(text: string, pos: number, avail: number, chunk: (piece: string) => Command): number {
  let lo = 0;
  let hi = Math.min(text.length - pos, avail);
  let best = 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    const length = wholeCodePoints(text, pos, mid);
    if (sizeOf(chunk(text.slice(pos, pos + length))) <= avail) {
      lo = mid;
      if (length > best) best = length;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/**
 * Packs commands into messages of at most `budget` bytes of commands each (the caller has taken
 * the message envelope and its reserve off `maxMsgSize`), in order. Units whose commands fit in
 * one message together stay together. A command that alone exceeds the budget is sent as an
 * OMA-DM large object: its data is cut (by whole code points) into chunks, each a command of the
 * same kind and target; the first carries `Meta/Size` (the UTF-8 byte length of the whole data),
 * every chunk but the last `MoreData`; a chunk other than the last ends its message and the next
 * chunk starts the next one. A command with no data to cut (or whose overhead leaves no room for
 * data) is returned in `tooLarge`. CmdIDs are numbered 1.. per message. Internal.
 */
export function packMessages(units: readonly PackUnit[], budget: number, limits: ObjectLimits = NO_LIMITS): PackResult {
  const messages: PlannedCommand[][] = [];
  const tooLarge: PackResult['tooLarge'] = [];
  let current: PlannedCommand[] = [];
  let used = 0;
  const flush = (): void => {
    if (current.length === 0) return;
    messages.push(current);
    current = [];
    used = 0;
  };
  const place = (c: SizedCommand): void => {
    if (used + c.size > budget) flush();
    current.push({ command: c.command, nodes: c.nodes });
    used += c.size;
  };

  for (const unit of units) {
    const problem = unit.map((c) => unsendable(c, budget, limits)).find((m) => m !== undefined);
    if (problem !== undefined) {
      tooLarge.push({ unit, message: problem });
      continue;
    }
    const total = unit.reduce((n, c) => n + c.size, 0);
    if (total <= budget) {
      if (used + total > budget) flush();
      for (const c of unit) place(c);
      continue;
    }
    for (const c of unit) {
      if (c.size <= budget) {
        place(c);
        continue;
      }
      const command = c.command as Extract<Command, { kind: 'Add' | 'Replace' | 'Exec' }>;
      const text = (command.items[0] as Item).data as string;
      const totalBytes = utf8ByteLength(text);
      const firstOverhead = sizeOf(chunkOf(command, '', true, false, totalBytes));
      const chunks: PlannedCommand[] = [];
      let pos = 0;
      while (pos < text.length) {
        const first = pos === 0;
        if (!first) {
          const rest = chunkOf(command, text.slice(pos), false, true, totalBytes);
          const size = sizeOf(rest);
          if (used + size <= budget) {
            const planned: PlannedCommand = { command: rest, nodes: c.nodes };
            chunks.push(planned);
            current.push(planned);
            used += size;
            break;
          }
        }
        // A large object starts in a message of its own unless the current one still has a
        // useful share of room: a sliver of a chunk would only add a round trip.
        if (first && current.length > 0 && budget - used - firstOverhead < budget / 4) flush();
        const length = longestFittingPiece(text, pos, budget - used, (piece) => chunkOf(command, piece, first, false, totalBytes));
        if (length === 0) {
          if (current.length === 0) {
            // unsendable() guaranteed room for MIN_CHUNK_DATA bytes in an empty message.
            throw new Error(`internal: no chunk of ${command.kind} fits an empty message of ${budget} bytes`);
          }
          flush();
          continue;
        }
        const planned: PlannedCommand = {
          command: chunkOf(command, text.slice(pos, pos + length), first, false, totalBytes),
          nodes: c.nodes,
        };
        chunks.push(planned);
        current.push(planned);
        pos += length;
        flush();
      }
      chunks.forEach((chunk, index) => {
        chunk.chunk = { index, count: chunks.length };
      });
    }
  }
  flush();
  // The commands were built for this plan (with the placeholder CmdID 1): numbered in place.
  for (const message of messages) {
    message.forEach((planned, i) => {
      planned.command.cmdId = i + 1;
    });
  }
  return { messages, tooLarge };
}

/**
 * Why a command cannot be sent under `budget` even alone and in chunks, or undefined. The planner
 * asks before it commits to a command (an ADMX file that cannot be sent must hold its values back).
 * A device that announced a `MaxObjSize` gets no value larger than that, and one without large
 * object support (`DevDetail/LrgObj` false) nothing that needs chunks.
 */
export function unsendable(c: SizedCommand, budget: number, limits: ObjectLimits = NO_LIMITS): string | undefined {
  if (limits.maxObjSize !== undefined && 'items' in c.command) {
    for (const item of c.command.items) {
      const bytes = item.data === undefined ? 0 : utf8ByteLength(item.data);
      if (bytes > limits.maxObjSize) {
        return `${c.command.kind} carries ${bytes} bytes of data; the device accepts objects of at most ${limits.maxObjSize} bytes (MaxObjSize)`;
      }
    }
  }
  if (c.size <= budget) return undefined;
  if (!limits.largeObjects) {
    return `${c.command.kind} of ${c.size} bytes exceeds the ${budget} bytes a message has for commands, and the device does not accept large objects (DevDetail/LrgObj is false)`;
  }
  if (!chunkable(c.command)) {
    return `${c.command.kind} of ${c.size} bytes has no data to split and exceeds the ${budget} bytes a message has for commands`;
  }
  const overhead = sizeOf(chunkOf(c.command, '', true, false, 0));
  if (overhead + MIN_CHUNK_DATA > budget) {
    return `${c.command.kind} needs ${overhead} bytes before any data; the ${budget} bytes a message has for commands leave no room for its chunks`;
  }
  return undefined;
}

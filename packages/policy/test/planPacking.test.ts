import { describe, expect, test } from 'vitest';
import { planCommands, type ConfigValue, type KnownNode, type Plan, type PlannedCommand, type ResolutionResult } from '@winmdm/policy';
import { commandByteLength, parseMessage, serializeMessage, type Command, type Item, type SyncHdr } from '@winmdm/syncml';

function resolution(config: Record<string, ConfigValue>): ResolutionResult {
  return {
    deviceWinPolicy: { config },
    winPolicyAssignmentsEnforced: [],
    provenance: [],
    conflicts: [],
    issues: [],
    complete: true,
  };
}

function plan(config: Record<string, ConfigValue>, maxMsgSize: number, reserveBytes: number, known: Record<string, KnownNode> = {}): Plan {
  return planCommands(resolution(config), { nodes: new Map(Object.entries(known)) }, { maxMsgSize, reserveBytes });
}

const header: SyncHdr = {
  verDTD: '1.2',
  verProto: 'DM/1.2',
  sessionId: '1',
  msgId: 1,
  target: { locURI: 'D' },
  source: { locURI: 'S' },
};

function wire(message: PlannedCommand[]): string {
  const last = message.at(-1)?.chunk;
  return serializeMessage({ header, body: message.map((c) => c.command), final: !(last !== undefined && last.index < last.count - 1) });
}

const itemOf = (c: PlannedCommand): Item => (c.command as { items: Item[] }).items[0] as Item;
const bytes = (text: string): number => new TextEncoder().encode(text).length;

/**
 * What a message of 2048 bytes with reserveBytes 512 has for commands: the rest of the reserve
 * holds the header, the Statuses and <Final/>; 101 bytes are the XML declaration, the root and
 * the SyncBody tags.
 */
const BUDGET = 2048 - 512 - 101;
/** The bytes of a message's commands once the server has renumbered them with 7-digit CmdIDs. */
const commandBytes = (message: PlannedCommand[]): number => message.reduce((n, c) => n + commandByteLength({ ...c.command, cmdId: 9_999_999 }), 0);

const BIG = './Device/Vendor/MSFT/Custom/Big';
const SMALL_A = './Device/Vendor/MSFT/Custom/A';
const SMALL_Z = './Device/Vendor/MSFT/Custom/Z';

describe('packing under MaxMsgSize', () => {
  test('commands fill messages in order; each message numbers its own CmdIDs from 1', () => {
    const config: Record<string, ConfigValue> = {};
    for (let i = 0; i < 40; i++) config[`./Device/Vendor/MSFT/Custom/Setting${String(i).padStart(2, '0')}`] = `value ${i}`;
    const p = plan(config, 2048, 512);
    expect(p.messages.length).toBeGreaterThan(1);
    for (const message of p.messages) {
      expect(message.map((c) => c.command.cmdId)).toEqual(message.map((_, i) => i + 1));
      expect(commandBytes(message)).toBeLessThanOrEqual(BUDGET);
    }
    expect(p.messages.flat().map((c) => itemOf(c).target?.locURI)).toEqual(Object.keys(config));
  });

  test('a value larger than a message is a large object: chunks with MoreData, Meta/Size on the first', () => {
    // 3-byte characters, an emoji (a surrogate pair), the CDATA terminator and CR, which all
    // serialize differently, so that chunk sizes depend on content.
    const text = `<x>${'€'.repeat(900)}😀]]>\r\n${'a&b'.repeat(400)}😀</x>`;
    const p = plan({ [SMALL_A]: 'first', [BIG]: text, [SMALL_Z]: 'last' }, 2048, 512);
    const flat = p.messages.flat();
    const chunks = flat.filter((c) => c.chunk !== undefined);
    expect(chunks.length).toBeGreaterThan(2);
    chunks.forEach((c, index) => {
      expect(c.chunk).toEqual({ index, count: chunks.length });
      expect(c.nodes).toEqual([{ locUri: BIG, kind: 'csp', value: text, op: 'set' }]);
      expect(c.command.kind).toBe('Replace');
      const item = itemOf(c);
      expect(item.target).toEqual({ locURI: BIG });
      expect(item.meta).toEqual(index === 0 ? { format: 'chr', type: 'text/plain', size: bytes(text) } : { format: 'chr', type: 'text/plain' });
      expect(item.moreData).toBe(index < chunks.length - 1 ? true : undefined);
    });
    // No chunk ends inside a surrogate pair.
    for (const c of chunks) expect(itemOf(c).data).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    // A chunk other than the last ends its message; the next chunk opens the next message.
    p.messages.forEach((message, m) => {
      message.forEach((c, i) => {
        if (c.chunk !== undefined && c.chunk.index < c.chunk.count - 1) {
          expect(i).toBe(message.length - 1);
          expect(p.messages[m + 1]?.[0]?.chunk?.index).toBe(c.chunk.index + 1);
        }
      });
    });
    // The last chunk opens its message, and what follows it comes after it, in plan order.
    expect(flat.map((c) => itemOf(c).target?.locURI)).toEqual([SMALL_A, ...chunks.map(() => BIG), SMALL_Z]);
    const withLast = p.messages.find((message) => message.some((c) => c.chunk?.index === chunks.length - 1)) ?? [];
    expect(withLast[0]?.chunk?.index).toBe(chunks.length - 1);

    // Through the wire: every message fits, and the pieces read back to the value, byte for byte.
    let reassembled = '';
    for (const message of p.messages) {
      expect(commandBytes(message)).toBeLessThanOrEqual(BUDGET);
      const xml = wire(message);
      for (const command of parseMessage(xml).body) {
        const item = (command as { items: Item[] }).items[0];
        if (item?.target?.locURI === BIG) reassembled += item.data ?? '';
      }
    }
    expect(reassembled).toBe(text);
  });

  test('a large object shares a message with room to spare, but does not start with a sliver of a chunk', () => {
    const big = { './Device/Vendor/MSFT/Custom/B': 'y'.repeat(5000) };
    // One small command before it: the first chunk fills the rest of that message.
    const roomy = plan({ './Device/Vendor/MSFT/Custom/A0': 'x', ...big }, 2048, 512);
    expect(roomy.messages[0]?.map((c) => c.chunk?.index)).toEqual([undefined, 0]);
    // Nine of ~250 bytes (five per message): the second message has less than a quarter of its
    // 1435 bytes left, so the object starts in the third.
    const filler: Record<string, ConfigValue> = {};
    for (let i = 0; i < 9; i++) filler[`./Device/Vendor/MSFT/Custom/A${i}`] = 'x'.repeat(40);
    const crowded = plan({ ...filler, ...big }, 2048, 512);
    expect(crowded.messages.slice(0, 3).map((m) => m.map((c) => c.chunk?.index ?? '-').join(''))).toEqual(['-----', '----', '0']);
  });

  test('an MSI Add and its Exec stay in one message when they fit together', () => {
    const r: ResolutionResult = {
      ...resolution({ './Device/Vendor/MSFT/Custom/Pad': 'p'.repeat(900) }),
      deviceWinPolicy: {
        config: { './Device/Vendor/MSFT/Custom/Pad': 'p'.repeat(900) },
        applications: [{ winApplicationId: 'a' }],
        applicationsInfo: [
          { id: 'a', type: 'msi', productCode: '{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}', version: '1.0', contentUrl: 'https://x.example/a.msi', sha256: 'ab'.repeat(32) },
        ],
      },
    };
    const p = planCommands(r, { nodes: new Map() }, { maxMsgSize: 2300, reserveBytes: 512 });
    expect(p.messages.map((m) => m.map((c) => c.command.kind))).toEqual([['Replace'], ['Add', 'Exec']]);
  });

  test('a command that cannot be cut and does not fit is an issue, and its node is not forgotten', () => {
    const longUri = `./Device/Vendor/MSFT/Custom/${'n'.repeat(3000)}`;
    const p = plan({}, 2048, 512, { [longUri]: { kind: 'csp', value: '1', status: 'applied' } });
    expect(p.messages).toEqual([]);
    expect(p.stale).toEqual([longUri]);
    expect(p.issues).toEqual([
      {
        code: 'command-too-large',
        path: ['deviceState', longUri],
        message: `Delete of ${commandByteLength({ kind: 'Delete', cmdId: 1, items: [{ target: { locURI: longUri } }] }) + 6} bytes has no data to split and exceeds the ${BUDGET} bytes a message has for commands`,
        locUri: longUri,
      },
    ]);
  });

  test('a value whose chunk overhead leaves no room for data is an issue too', () => {
    const uri = `./Device/Vendor/MSFT/Custom/${'n'.repeat(1300)}`;
    const p = plan({ [uri]: 'v'.repeat(4000) }, 2048, 512);
    expect(p.messages).toEqual([]);
    expect(p.issues.map((i) => [i.code, i.locUri])).toEqual([['command-too-large', uri]]);
    expect(p.issues[0]?.message).toMatch(/^Replace needs \d+ bytes before any data; the 1435 bytes a message has for commands leave no room for its chunks$/);
    expect(p.desired.get(uri)).toEqual({ kind: 'csp', value: 'v'.repeat(4000) });
  });

  test('the chunk commands of an Add (a 404 retry) keep the Add', () => {
    const text = 'z'.repeat(5000);
    const p = plan({ [BIG]: text }, 2048, 512, {
      [BIG]: { kind: 'csp', value: text, status: 'failed', code: 404, lastCommand: 'Replace', attemptedThisSession: true },
    });
    const kinds = new Set(p.messages.flat().map((c: PlannedCommand) => (c.command as Command).kind));
    expect([...kinds]).toEqual(['Add']);
    expect(p.messages.flat().length).toBeGreaterThan(3);
  });

  test('a device without large objects (DevDetail/LrgObj false) gets no chunks: the value is an issue', () => {
    const p = planCommands(resolution({ [BIG]: 'z'.repeat(5000), [SMALL_A]: 'a' }), { nodes: new Map() }, { maxMsgSize: 2048, reserveBytes: 512, largeObjects: false });
    expect(p.messages.flat().map((c) => itemOf(c).target?.locURI)).toEqual([SMALL_A]);
    expect(p.issues.map((i) => [i.code, i.locUri])).toEqual([['command-too-large', BIG]]);
    expect(p.issues[0]?.message).toMatch(/the device does not accept large objects \(DevDetail\/LrgObj is false\)$/);
  });

  test('a value larger than the device\'s MaxObjSize is not sent, chunked or not', () => {
    const p = planCommands(resolution({ [BIG]: 'é'.repeat(600), [SMALL_A]: 'a' }), { nodes: new Map() }, { maxMsgSize: 524288, maxObjSize: 1000 });
    expect(p.messages.flat().map((c) => itemOf(c).target?.locURI)).toEqual([SMALL_A]);
    expect(p.issues.map((i) => [i.code, i.locUri, i.message])).toEqual([
      ['command-too-large', BIG, 'Replace carries 1200 bytes of data; the device accepts objects of at most 1000 bytes (MaxObjSize)'],
    ]);
  });
});

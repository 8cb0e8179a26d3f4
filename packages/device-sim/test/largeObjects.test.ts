import { afterEach, describe, expect, it } from 'vitest';
import { parseMessage, type Command, type Item, type Results, type SyncMLMessage } from '@winmdm/syncml';
import { DeviceModel, DeviceSimulator } from '../src/index.js';
import { serverMessage, startScriptedServer, type ScriptedServer } from './scriptedServer.js';

const ADMX = './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/Contoso/Policy/ContosoAdmx';

const chunk = (data: string, options: { size?: number; more: boolean }): Command => {
  const item: Item = { target: { locURI: ADMX }, data };
  if (options.size !== undefined) item.meta = { format: 'chr', size: options.size };
  if (options.more) item.moreData = true;
  return { kind: 'Add', cmdId: 0, items: [item] };
};

/** The status codes the model answers to each command, applied in order. */
function codesOf(model: DeviceModel, commands: Command[]): string[] {
  return commands.flatMap((c, i) => model.apply({ ...c, cmdId: i + 2 }).statuses.map((s) => s.data));
}

describe('large objects from the server', () => {
  it('buffers each chunk (213) and applies the reassembled value on the last one, sized in UTF-8 bytes', () => {
    const model = new DeviceModel();
    const parts = ['<policyDefinitions>', 'é€😀 & more', '</policyDefinitions>'];
    const size = Buffer.byteLength(parts.join(''), 'utf8');
    expect(size).toBeGreaterThan(parts.join('').length);
    const commands = [chunk(parts[0] ?? '', { size, more: true }), chunk(parts[1] ?? '', { more: true }), chunk(parts[2] ?? '', { more: false })];
    expect(codesOf(model, commands.slice(0, 2))).toEqual(['213', '213']);
    expect(model.has(ADMX)).toBe(false);
    expect(codesOf(model, commands.slice(2))).toEqual(['200']);
    expect(model.get(ADMX)).toBe(parts.join(''));
  });

  it('answers 424 (size mismatch) when the reassembled value is not the announced size, and changes nothing', () => {
    const model = new DeviceModel();
    expect(codesOf(model, [chunk('abc', { size: 7, more: true }), chunk('def', { more: false })])).toEqual(['213', '424']);
    expect(model.has(ADMX)).toBe(false);
  });

  it('answers 411 (size required) to a first chunk without Meta/Size', () => {
    const model = new DeviceModel();
    expect(codesOf(model, [chunk('abc', { more: true }), chunk('def', { more: false })])).toEqual(['411', '200']);
    expect(model.get(ADMX)).toBe('def');
  });

  it('admits or refuses an object at its first chunk; after a refusal the later chunks have no beginning', () => {
    const model = new DeviceModel({ failures: [{ match: ADMX, code: 404, times: 1 }] });
    const commands = [chunk('abc', { size: 9, more: true }), chunk('def', { more: true }), chunk('ghi', { more: false })];
    // What a server that does not stop after the refusal gets: 411 for a chunk without Size, and
    // the last chunk taken for a whole value — a fragment.
    expect(codesOf(model, commands)).toEqual(['404', '411', '200']);
    expect(model.get(ADMX)).toBe('ghi');
    // An Add of an existing node is refused at its first chunk too.
    expect(codesOf(model, [chunk('abc', { size: 6, more: true })])).toEqual(['418']);
  });

  it('forgets an unfinished large object when a new session begins', () => {
    const model = new DeviceModel();
    expect(codesOf(model, [chunk('abc', { size: 6, more: true })])).toEqual(['213']);
    model.beginSession();
    expect(codesOf(model, [chunk('def', { more: false })])).toEqual(['200']);
    expect(model.get(ADMX)).toBe('def');
  });
});

let servers: ScriptedServer[] = [];
let devices: DeviceSimulator[] = [];
afterEach(async () => {
  await Promise.all(devices.map((d) => d.close()));
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  devices = [];
});

async function session(script: Parameters<typeof startScriptedServer>[0], model?: DeviceModel): Promise<ScriptedServer> {
  const server = await startScriptedServer(script);
  servers.push(server);
  const device = new DeviceSimulator({ url: server.url, winId: 'DEVICE-9', ...(model === undefined ? {} : { deviceModel: model }) });
  devices.push(device);
  await device.runSession();
  return server;
}

describe('a large object over several server messages', () => {
  it('the device answers each message without Final with its statuses and then Alert 1222', async () => {
    const parts = ['<admx>', 'x'.repeat(100), '</admx>'];
    const size = parts.join('').length;
    const model = new DeviceModel({ devId: 'DEVICE-9' });
    const server = await session((index, message) => {
      if (message === undefined) throw new Error('unparsable');
      if (index === 0) return serverMessage(message, [chunk(parts[0] ?? '', { size, more: true })], { final: false });
      if (index === 1) return serverMessage(message, [chunk(parts[1] ?? '', { more: true })], { final: false });
      if (index === 2) return serverMessage(message, [chunk(parts[2] ?? '', { more: false })]);
      return serverMessage(message, []);
    }, model);
    const replies = server.requests.slice(1).map((r) => parseMessage(r.body));
    const shape = (m: SyncMLMessage): string[] => m.body.map((c) => (c.kind === 'Status' ? `Status ${c.cmd} ${c.data}` : `${c.kind} ${c.kind === 'Alert' ? c.data : ''}`));
    expect(replies.map(shape)).toEqual([
      ['Status SyncHdr 200', 'Status Add 213', 'Alert 1222'],
      ['Status SyncHdr 200', 'Status Add 213', 'Alert 1222'],
      ['Status SyncHdr 200', 'Status Add 200'],
    ]);
    expect(replies.map((m) => m.final)).toEqual([true, true, true]);
    expect(model.get(ADMX)).toBe(parts.join(''));
  });
});

describe('large Results from the device', () => {
  // Escaping (&), markup (CDATA), multi-byte characters and a surrogate pair: every way a chunk's
  // wire size can differ from its character count.
  const big = Array.from({ length: 120 }, (_, i) => `<entry id="${i}">Fish & chips — ${i} € 😀</entry>`).join('\n');
  const BIG = './Device/Vendor/MSFT/Policy/Config/Contoso/BigValue';
  const MAX = 1500;

  it('splits a value under the server MaxMsgSize with MoreData and no Final, continuing after 213 + Alert 1222', async () => {
    const model = new DeviceModel({ devId: 'DEVICE-9', nodes: { [BIG]: big } });
    let getCmdId = 0;
    const server = await session((index, message) => {
      if (message === undefined) throw new Error('unparsable');
      if (index === 0) {
        const answer = serverMessage(message, [{ kind: 'Get', cmdId: 0, items: [{ target: { locURI: BIG } }] }], { maxMsgSize: MAX });
        getCmdId = answer.body.at(-1)?.cmdId ?? 0;
        return answer;
      }
      // Acknowledge with 213 each part that announced more, and ask for the next one.
      const more = message.body.some((c) => c.kind === 'Results' && c.items.some((i) => i.moreData === true));
      return serverMessage(message, more ? [{ kind: 'Alert', cmdId: 0, data: '1222', items: [] }] : [], {
        maxMsgSize: MAX,
        statusOf: (c) => (c.kind === 'Results' && c.items.some((i) => i.moreData === true) ? '213' : '200'),
      });
    }, model);

    const replies = server.requests.slice(1);
    expect(replies.length).toBeGreaterThan(3);
    for (const reply of replies) expect(Buffer.byteLength(reply.body, 'utf8')).toBeLessThanOrEqual(MAX);
    const messages = replies.map((r) => parseMessage(r.body));
    expect(messages.map((m) => m.final)).toEqual(messages.map((_, i) => i === messages.length - 1));
    const results = messages.flatMap((m) => m.body.filter((c): c is Results => c.kind === 'Results'));
    const items = results.flatMap((r) => r.items);
    expect(results.every((r) => r.cmdRef === getCmdId && r.msgRef === 1 && r.cmd === 'Get')).toBe(true);
    expect(items.map((i) => i.moreData === true)).toEqual(items.map((_, i) => i < items.length - 1));
    expect(items[0]?.meta).toEqual({ format: 'chr', size: Buffer.byteLength(big, 'utf8') });
    expect(items.slice(1).every((i) => i.meta === undefined && i.source?.locURI === BIG)).toBe(true);
    expect(items.map((i) => i.data ?? '').join('')).toBe(big);
    // The Get's own Status goes out once, in the first reply.
    expect(messages.flatMap((m) => m.body).filter((c) => c.kind === 'Status' && c.cmd === 'Get')).toHaveLength(1);
  });
});

/**
 * The lean load generator answers like the simulator: for the same server messages, in the same
 * session, LeanDevice writes byte-identical answers to what DeviceSession (the simulator's device
 * side, with a fresh DeviceModel) serializes — and refuses, with ERR_SIM_LEAN_UNSUPPORTED, what it
 * cannot answer without a device model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeMessage, type Command, type SyncMLMessage } from '@winmdm/syncml';
import { DEFAULT_INVENTORY, DeviceModel, LeanDevice, LeanDeviceUnsupportedError, type LeanExchange } from '../src/index.js';
import { DeviceSession } from '../src/DeviceSession.js';

const WIN_ID = 'LEAN-0001';
const URL = 'http://127.0.0.1:1/ManagementServer/MDM.svc';

/** Writable leaves, all at one depth so that none is the parent of another (the simulator would then answer 405). */
const WRITABLE = [
  './Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength',
  './Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring',
  './Vendor/MSFT/Policy/Config/Update/ActiveHoursStart',
  './device/Vendor/MSFT/Policy/Config/Browser/AllowCookies',
  './User/Vendor/MSFT/Policy/Config/Start/HideSleep',
  './Vendor/MSFT/Personalization/DesktopImageUrl',
  './Device/Vendor/MSFT/Policy/Config/Experience/AllowCortana',
];
/** Replaces the model refuses whatever the session did: read-only inventory, its subtrees and interior nodes, below a leaf. */
const REFUSED = [
  './DevDetail/SwV',
  './DevInfo/Lang',
  './DevDetail/Ext/Microsoft/NewNode',
  './Vendor/MSFT/DeviceStatus/Battery/Status',
  './Vendor/MSFT/WindowsLicensing/Edition',
  './Device/Vendor/MSFT/WindowsLicensing',
  './Vendor/MSFT/WindowsLicensing/Edition/Below',
];
/** What winmdm's planner reads (inventoryNodes), present and absent on a fresh device. */
const READABLE = [
  ...Object.keys(DEFAULT_INVENTORY).filter((uri) => !uri.startsWith('./DevInfo/')),
  './DevInfo/Man',
  './DevInfo/DevId',
  './Device/Vendor/MSFT/DeviceStatus/OS/Edition',
  './Vendor/MSFT/DeviceStatus/CellularIdentities',
  './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI',
  './User/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI',
];

const valueArb = fc.oneof(
  fc.integer({ min: 0, max: 99 }).map(String),
  fc.constantFrom('true', 'false', 'https://cdn.example.com/a.jpg?x=1&y=2', 'a < b', '', '<enabled/><data id="x" value="</Replace>"/>'),
);
const formatArb = fc.constantFrom('int', 'chr', 'bool');

const replaceArb: fc.Arbitrary<Command> = fc
  .tuple(fc.array(fc.tuple(fc.constantFrom(...WRITABLE), valueArb, formatArb), { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([items, refused]): Command => ({
    kind: 'Replace',
    cmdId: 0,
    items: items.map(([uri, data, format], i) => ({
      target: { locURI: refused && i === 0 ? (REFUSED[data.length % REFUSED.length] as string) : uri },
      meta: { format, type: 'text/plain' },
      data,
    })),
  }))
  // One command's items must end alike for the lean device (it refuses mixed outcomes).
  .filter((c) => c.kind === 'Replace' && (c.items.length === 1 || !REFUSED.includes(c.items[0]?.target?.locURI ?? '')));
const getArb: fc.Arbitrary<Command> = fc.constantFrom(...READABLE).map((uri) => ({ kind: 'Get', cmdId: 0, items: [{ target: { locURI: uri } }] }));
const alertArb: fc.Arbitrary<Command> = fc.constantFrom('1224', '1226').map((data) => ({ kind: 'Alert', cmdId: 0, data, items: [] }));

/** One server message: a Status for the device's last message, then commands; sometimes without Final, sometimes with a MaxMsgSize. */
const serverMessageArb = fc.record({
  commands: fc.array(fc.oneof({ weight: 5, arbitrary: replaceArb }, { weight: 3, arbitrary: getArb }, { weight: 1, arbitrary: alertArb }), { maxLength: 12 }),
  final: fc.boolean(),
  maxMsgSize: fc.option(fc.constantFrom(1_048_576, 524_288), { nil: undefined }),
});

function serverMessage(sessionId: string, msgId: number, spec: { commands: Command[]; final: boolean; maxMsgSize: number | undefined }): SyncMLMessage {
  const body: Command[] = [
    { kind: 'Status', cmdId: 1, msgRef: msgId, cmdRef: 0, cmd: 'SyncHdr', targetRefs: [WIN_ID], sourceRefs: [URL], data: '200', items: [] },
  ];
  for (const c of spec.commands) body.push({ ...c, cmdId: body.length + 1 });
  return {
    header: {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionId,
      msgId,
      target: { locURI: WIN_ID },
      source: { locURI: URL },
      ...(spec.maxMsgSize === undefined ? {} : { meta: { maxMsgSize: spec.maxMsgSize } }),
    },
    body,
    final: spec.final,
  };
}

function simulator(sessionId: string): DeviceSession {
  return new DeviceSession(new DeviceModel({ devId: WIN_ID }), { sessionId, winId: WIN_ID, serverUri: URL, loginStatus: 'user', unenroll: false });
}

describe('LeanDevice answers like the simulator', () => {
  it('writes the same first message', () => {
    const lean = new LeanDevice({ url: `${URL}?mode=Maintenance`, winId: WIN_ID });
    for (const sessionId of ['1', '2', '17']) expect(lean.firstMessage(sessionId)).toBe(serializeMessage(simulator(sessionId).firstMessage()));
  });

  it('answers every message of a random session byte for byte like DeviceSession over a fresh DeviceModel', () => {
    fc.assert(
      fc.property(fc.array(serverMessageArb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 999 }), (messages, session) => {
        const sessionId = String(session);
        const sim = simulator(sessionId);
        sim.firstMessage();
        const lean = new LeanDevice({ url: URL, winId: WIN_ID });
        const exchange: LeanExchange = { sessionId, msgId: 1 };
        for (const [i, spec] of messages.entries()) {
          const text = serializeMessage(serverMessage(sessionId, i + 1, spec));
          const expected = sim.receive(serverMessage(sessionId, i + 1, spec));
          const actual = lean.answer(text, exchange);
          expect(actual.reply).toBe(expected === undefined ? undefined : serializeMessage(expected));
          expect(actual.commands).toBe(spec.commands.length);
          if (expected === undefined) break;
        }
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  it('ends the session on a Status-only message and on a session abort (Alert 1223), like the simulator', () => {
    const lean = new LeanDevice({ url: URL, winId: WIN_ID });
    const done = serializeMessage(serverMessage('1', 1, { commands: [], final: true, maxMsgSize: undefined }));
    expect(lean.answer(done, { sessionId: '1', msgId: 1 })).toEqual({ reply: undefined, commands: 0 });
    expect(simulator('1').receive(serverMessage('1', 1, { commands: [], final: true, maxMsgSize: undefined }))).toBeUndefined();
    const abort: Command = { kind: 'Alert', cmdId: 0, data: '1223', items: [] };
    const aborted = serverMessage('1', 1, { commands: [abort], final: true, maxMsgSize: undefined });
    expect(lean.answer(serializeMessage(aborted), { sessionId: '1', msgId: 1 }).reply).toBeUndefined();
    expect(simulator('1').receive(aborted)).toBeUndefined();
  });

  it.each<[string, Command]>([
    ['Add (418 when the node exists)', { kind: 'Add', cmdId: 0, items: [{ target: { locURI: WRITABLE[0] as string }, data: '1' }] }],
    ['Delete (404 when it does not)', { kind: 'Delete', cmdId: 0, items: [{ target: { locURI: WRITABLE[0] as string } }] }],
    ['Exec', { kind: 'Exec', cmdId: 0, items: [{ target: { locURI: './Device/Vendor/MSFT/Reboot/RebootNow' } }] }],
    ['Atomic', { kind: 'Atomic', cmdId: 0, commands: [] }],
    ['a large object chunk', { kind: 'Replace', cmdId: 0, items: [{ target: { locURI: WRITABLE[0] as string }, meta: { size: 9000 }, data: 'x', moreData: true }] }],
    ['a Replace in an add-only subtree (404 for a missing instance)', { kind: 'Replace', cmdId: 0, items: [{ target: { locURI: './Device/Vendor/MSFT/WiFi/Profile/Corp/WlanXml' }, data: 'x' }] }],
    ['a Get of an interior node (lists its children)', { kind: 'Get', cmdId: 0, items: [{ target: { locURI: './DevDetail' } }] }],
  ])('refuses %s with ERR_SIM_LEAN_UNSUPPORTED', (_, command) => {
    const lean = new LeanDevice({ url: URL, winId: WIN_ID });
    const text = serializeMessage(serverMessage('1', 1, { commands: [command], final: true, maxMsgSize: undefined }));
    let error: unknown;
    try {
      lean.answer(text, { sessionId: '1', msgId: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LeanDeviceUnsupportedError);
    expect((error as LeanDeviceUnsupportedError).code).toBe('ERR_SIM_LEAN_UNSUPPORTED');
    expect((error as Error).message).toMatch(/run a DeviceSimulator|depends on what the device holds|NoResp or MoreData/);
  });

  it('refuses an answer that would not fit the server\'s MaxMsgSize (the simulator would split it)', () => {
    const lean = new LeanDevice({ url: URL, winId: WIN_ID });
    const gets = Array.from({ length: 20 }, (): Command => ({ kind: 'Get', cmdId: 0, items: [{ target: { locURI: './DevDetail/SwV' } }] }));
    const text = serializeMessage(serverMessage('1', 1, { commands: gets, final: true, maxMsgSize: 2000 }));
    expect(() => lean.answer(text, { sessionId: '1', msgId: 1 })).toThrow(/does not fit the server's MaxMsgSize \(2000 bytes\)/);
  });

  it('refuses an answer for another session, like the simulator', () => {
    const lean = new LeanDevice({ url: URL, winId: WIN_ID });
    const text = serializeMessage(serverMessage('2', 1, { commands: [], final: true, maxMsgSize: undefined }));
    expect(() => lean.answer(text, { sessionId: '1', msgId: 1 })).toThrow('The server answered in session "2"; the device is in session "1"');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AlertCodes,
  commandByteLength,
  envelopeByteLength,
  parseMessage,
  serializeMessage,
  serializeMessageReference,
  statusCode,
  StatusCodes,
  SyncMLError,
  SyncMLStatusCodeError,
  type Command,
  type Status,
  type SyncHdr,
  type SyncMLMessage,
} from '../src/index.js';
import { messageArb } from './arbitraries.js';
import { WHOLE_MESSAGES, fixture } from './fixture.js';

const header: SyncHdr = {
  verDTD: '1.2',
  verProto: 'DM/1.2',
  sessionId: '1A',
  msgId: 3,
  target: { locURI: 'DEVICE-1' },
  source: { locURI: 'https://mdm.example.com/ManagementServer/MDM.svc?mode=Maintenance&Platform=WoA' },
};

function msg(body: Command[], final = true, h: SyncHdr = header): SyncMLMessage {
  return { header: h, body, final };
}

/** Both serializers' output; they must agree on every case of this file. */
function serialize(message: SyncMLMessage): string {
  const fast = serializeMessage(message);
  expect(serializeMessageReference(message)).toBe(fast);
  return fast;
}

const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

describe('canonical output', () => {
  it('writes the declaration, the namespace, DTD order, metinf namespaces and Final, without indentation', () => {
    const xml = serialize(
      msg([
        { kind: 'Status', cmdId: 1, msgRef: 3, cmdRef: 0, cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] },
        {
          kind: 'Replace',
          cmdId: 2,
          items: [
            {
              data: '1',
              meta: { type: 'text/plain', format: 'int' },
              target: { locURI: './Device/Vendor/MSFT/Policy/Config/Update/AllowAutoUpdate' },
            },
          ],
        },
      ]),
    );
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><SyncML xmlns="SYNCML:SYNCML1.2">' +
        '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1A</SessionID><MsgID>3</MsgID>' +
        '<Target><LocURI>DEVICE-1</LocURI></Target>' +
        '<Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc?mode=Maintenance&amp;Platform=WoA</LocURI></Source></SyncHdr>' +
        '<SyncBody><Status><CmdID>1</CmdID><MsgRef>3</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>' +
        '<Replace><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/Update/AllowAutoUpdate</LocURI></Target>' +
        '<Meta><Format xmlns="syncml:metinf">int</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>1</Data></Item></Replace>' +
        '<Final/></SyncBody></SyncML>',
    );
  });

  it('puts Data with markup in CDATA, and splits "]]>" across two sections', () => {
    const payload = '<enabled/><data id="Url" value="a]]>b"/>';
    const xml = serialize(msg([{ kind: 'Replace', cmdId: 2, items: [{ data: payload }] }]));
    expect(xml).toContain('<Data><![CDATA[<enabled/><data id="Url" value="a]]]]><![CDATA[>b"/>]]></Data>');
    expect((parseMessage(xml).body[0] as { items: { data: string }[] }).items[0]?.data).toBe(payload);
  });

  it('escapes Data without markup, and every other text', () => {
    const xml = serialize(
      msg([
        {
          kind: 'Add',
          cmdId: 2,
          items: [{ target: { locURI: './a&b<c>', locName: '"q"' }, meta: { type: 'x>y' }, data: 'R&D > 5 ]]> "ok"' }],
        },
      ]),
    );
    expect(xml).toContain('<LocURI>./a&amp;b&lt;c&gt;</LocURI><LocName>"q"</LocName>');
    expect(xml).toContain('<Type xmlns="syncml:metinf">x&gt;y</Type>');
    expect(xml).toContain('<Data>R&amp;D &gt; 5 ]]&gt; "ok"</Data>');
  });

  it('escapes an "&" that looks like an entity reference (xmlbuilder2 alone would not: "no double encoding")', () => {
    const m = msg([{ kind: 'Replace', cmdId: 2, items: [{ data: 'https://example.com/?a=1&amp;b=2&#13;' }] }]);
    const xml = serialize(m);
    expect(xml).toContain('<Data>https://example.com/?a=1&amp;amp;b=2&amp;#13;</Data>');
    expect(parseMessage(xml)).toEqual(m);
  });

  it('writes CR as a character reference, in text and between CDATA sections, so that it survives', () => {
    const m = msg([
      { kind: 'Replace', cmdId: 2, items: [{ target: { locURI: './a\rb' }, data: 'line1\r\nline2' }] },
      { kind: 'Replace', cmdId: 3, items: [{ data: '<a>\r\n</a>\r' }] },
    ]);
    const xml = serialize(m);
    expect(xml).toContain('<LocURI>./a&#13;b</LocURI>');
    expect(xml).toContain('<Data>line1&#13;\nline2</Data>');
    expect(xml).toContain('<Data><![CDATA[<a>]]>&#13;<![CDATA[\n</a>]]>&#13;</Data>');
    expect(parseMessage(xml)).toEqual(m);
  });

  it('writes markers and empty elements compactly', () => {
    const xml = serialize(
      msg(
        [
          { kind: 'Get', cmdId: 2, noResp: true, items: [{}] },
          { kind: 'Add', cmdId: 3, meta: {}, items: [{ data: '', moreData: true }] },
        ],
        false,
      ),
    );
    expect(xml).toContain('<Get><CmdID>2</CmdID><NoResp/><Item/></Get><Add><CmdID>3</CmdID><Meta/><Item><Data></Data><MoreData/></Item></Add></SyncBody>');
    expect(xml).not.toContain('Final');
    expect(serialize(msg([], false))).toContain('<SyncBody/>');
  });

  it('orders Status and Results children per the DTD, whatever the key order of the object', () => {
    const status = {
      items: [{ data: 'x' }],
      data: '401',
      chal: { meta: { nextNonce: 'bm9uY2U=', format: 'b64', type: 'syncml:auth-md5' } },
      sourceRefs: ['s'],
      targetRefs: ['t1', 't2'],
      cmd: 'SyncHdr',
      cmdRef: 0,
      msgRef: 1,
      cmdId: 1,
      kind: 'Status',
    } as const satisfies Status;
    const xml = serialize(
      msg([
        { ...status, targetRefs: [...status.targetRefs], sourceRefs: [...status.sourceRefs], items: [...status.items] },
        { kind: 'Results', items: [], sourceRefs: [], targetRefs: ['./a'], meta: { format: 'chr' }, cmd: 'Get', cmdRef: 4, msgRef: 2, cmdId: 2 },
      ]),
    );
    expect(xml).toContain(
      '<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><TargetRef>t1</TargetRef><TargetRef>t2</TargetRef><SourceRef>s</SourceRef>' +
        '<Chal><Meta><Format xmlns="syncml:metinf">b64</Format><Type xmlns="syncml:metinf">syncml:auth-md5</Type><NextNonce xmlns="syncml:metinf">bm9uY2U=</NextNonce></Meta></Chal>' +
        '<Data>401</Data><Item><Data>x</Data></Item></Status>',
    );
    expect(xml).toContain(
      '<Results><CmdID>2</CmdID><MsgRef>2</MsgRef><CmdRef>4</CmdRef><Cmd>Get</Cmd><Meta><Format xmlns="syncml:metinf">chr</Format></Meta><TargetRef>./a</TargetRef></Results>',
    );
  });

  it('orders the header per the DTD', () => {
    const xml = serialize(
      msg([], true, {
        ...header,
        meta: { maxObjSize: 2, maxMsgSize: 1 },
        cred: { data: 'ZGF0YQ==', meta: { format: 'b64' } },
        noResp: true,
        respURI: 'https://next',
      }),
    );
    expect(xml).toContain(
      '</Source><RespURI>https://next</RespURI><NoResp/><Cred><Meta><Format xmlns="syncml:metinf">b64</Format></Meta><Data>ZGF0YQ==</Data></Cred>' +
        '<Meta><MaxMsgSize xmlns="syncml:metinf">1</MaxMsgSize><MaxObjSize xmlns="syncml:metinf">2</MaxObjSize></Meta></SyncHdr>',
    );
  });
});

describe('refusing ASTs that would not read back', () => {
  function refusal(message: SyncMLMessage): SyncMLError {
    let fast: unknown;
    let reference: unknown;
    try {
      serializeMessage(message);
    } catch (error) {
      fast = error;
    }
    try {
      serializeMessageReference(message);
    } catch (error) {
      reference = error;
    }
    expect(fast).toBeInstanceOf(SyncMLError);
    expect(reference).toBeInstanceOf(SyncMLError);
    expect({ code: (reference as SyncMLError).code, message: (reference as SyncMLError).message }).toEqual({
      code: (fast as SyncMLError).code,
      message: (fast as SyncMLError).message,
    });
    return fast as SyncMLError;
  }
  const get = (cmdId: number): Command => ({ kind: 'Get', cmdId, items: [] });

  it.each([
    ['CmdID 0', msg([get(0)]), 'ERR_SYNCML_CMDID_INVALID', 'Get at body[0] has CmdID 0; a CmdID is an integer ≥ 1'],
    ['a fractional CmdID', msg([get(1.5)]), 'ERR_SYNCML_CMDID_INVALID', 'Get at body[0] has CmdID 1.5; a CmdID is an integer ≥ 1'],
    [
      'a duplicate nested CmdID',
      msg([get(2), { kind: 'Atomic', cmdId: 3, commands: [get(2)] }]),
      'ERR_SYNCML_CMDID_DUPLICATE',
      'Get at body[1].commands[0] reuses CmdID 2 of Get at body[0]',
    ],
    ['MsgID 0', msg([], true, { ...header, msgId: 0 }), 'ERR_SYNCML_MSGID', 'header.msgId is 0; expected an integer ≥ 1'],
    [
      'a negative Meta size',
      msg([{ kind: 'Add', cmdId: 1, items: [{ meta: { size: -1 } }] }]),
      'ERR_SYNCML_INVALID_NUMBER',
      'body[0].items[0].meta.size is -1; expected an integer ≥ 0',
    ],
    [
      'a NaN MsgRef',
      msg([{ kind: 'Status', cmdId: 1, msgRef: Number.NaN, cmdRef: 0, cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] }]),
      'ERR_SYNCML_STATUS_REF',
      'Status at body[0] has msgRef NaN; expected an integer ≥ 0',
    ],
    [
      'an unknown command kind',
      msg([{ kind: 'Sync', cmdId: 1, items: [] } as unknown as Command]),
      'ERR_SYNCML_UNKNOWN_ELEMENT',
      'body[0] has kind "Sync", which is not a SyncML command',
    ],
    [
      'VerProto DS/1.2',
      msg([], true, { ...header, verProto: 'DS/1.2' as 'DM/1.2' }),
      'ERR_SYNCML_VERSION',
      'header.verProto is "DS/1.2"; expected DM/1.2',
    ],
    [
      'NUL in Data',
      msg([{ kind: 'Replace', cmdId: 1, items: [{ data: 'a\u0000b' }] }]),
      'ERR_SYNCML_INVALID_CHAR',
      'body[0].items[0].data contains U+0000 at index 1, which XML 1.0 cannot carry',
    ],
    [
      'a lone surrogate in a LocURI',
      msg([{ kind: 'Get', cmdId: 1, items: [{ target: { locURI: './x\uD800' } }] }]),
      'ERR_SYNCML_INVALID_CHAR',
      'body[0].items[0].target.locURI contains U+D800 at index 3, which XML 1.0 cannot carry',
    ],
  ])('refuses %s, both serializers alike', (_what, message, code, text) => {
    const error = refusal(message);
    expect(error.code).toBe(code);
    expect(error.message).toBe(text);
  });
});

describe('byte lengths for packing', () => {
  it('commandByteLength is the UTF-8 length of the command inside the message', () => {
    const replace: Command = {
      kind: 'Replace',
      cmdId: 12,
      items: [{ target: { locURI: './Device/Vendor/MSFT/Policy/Config/Desktop/Wallpaper' }, data: 'Ünïcødé 😀 <x/>' }],
    };
    const xml = serializeMessage(msg([replace]));
    const start = xml.indexOf('<Replace>');
    const end = xml.indexOf('</Replace>') + '</Replace>'.length;
    expect(commandByteLength(replace)).toBe(utf8Length(xml.slice(start, end)));
    expect(commandByteLength(replace)).toBeGreaterThan(xml.slice(start, end).length);
  });

  it('commandByteLength refuses a character XML cannot carry, naming the field from the command', () => {
    const bad: Command = { kind: 'Replace', cmdId: 1, items: [{ target: { locURI: './ok' } }, { data: 'x\uFFFEy' }] };
    expect(() => commandByteLength(bad)).toThrowError(
      expect.objectContaining({
        code: 'ERR_SYNCML_INVALID_CHAR',
        path: 'command.items[1].data',
        message: 'command.items[1].data contains U+FFFE at index 1, which XML 1.0 cannot carry',
      }),
    );
  });

  it('envelope plus commands is the message size, for every real message', () => {
    for (const name of WHOLE_MESSAGES) {
      const m = parseMessage(fixture(name));
      const sum = m.body.reduce((n, c) => n + commandByteLength(c), 0);
      expect(envelopeByteLength(m.header, m.final) + sum, name).toBe(utf8Length(serializeMessage(m)));
    }
  });

  it('law: envelope plus commands equals the serialized size', () => {
    fc.assert(
      fc.property(messageArb().filter((m) => m.body.length > 0 || m.final), (m) => {
        const sum = m.body.reduce((n, c) => n + commandByteLength(c), 0);
        expect(envelopeByteLength(m.header, m.final) + sum).toBe(utf8Length(serializeMessage(m)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('status and alert codes', () => {
  const status = (data: string): Status => ({
    kind: 'Status',
    cmdId: 4,
    msgRef: 2,
    cmdRef: 7,
    cmd: 'Replace',
    targetRefs: [],
    sourceRefs: [],
    data,
    items: [],
  });

  it('statusCode reads the Data of a Status as a number', () => {
    expect(statusCode(status('200'))).toBe(StatusCodes.OK);
    expect(statusCode(status('418'))).toBe(StatusCodes.ALREADY_EXISTS);
  });

  it('statusCode refuses Data that is not a code', () => {
    expect(() => statusCode(status('OK'))).toThrow(SyncMLStatusCodeError);
    try {
      statusCode(status('OK'));
    } catch (error) {
      expect(error).toMatchObject({
        code: 'ERR_SYNCML_STATUS_CODE',
        message: 'Status 4 (for Replace 7 of message 2) has Data "OK", not a status code',
      });
    }
  });

  it('StatusCodes holds every code of the Learn table Windows uses', () => {
    const table = fixture('learn-oma-dm-status-codes.md');
    const codes = [...table.matchAll(/^\|\s*(\d{3})\s*\|/gm)].map((m) => Number(m[1]));
    expect(codes.length).toBeGreaterThan(15);
    const known = new Set<number>(Object.values(StatusCodes));
    expect(codes.filter((c) => !known.has(c))).toEqual([]);
  });

  it('AlertCodes has the codes [MS-MDM] supports, and those the fixtures use', () => {
    expect(Object.values(AlertCodes).sort()).toEqual([1200, 1201, 1222, 1223, 1224, 1225, 1226]);
    const session = parseMessage(fixture('win10-msg1-client-session-start.xml')).body;
    expect(session.filter((c) => c.kind === 'Alert').map((c) => Number(c.kind === 'Alert' ? c.data : 0))).toEqual([
      AlertCodes.CLIENT_INITIATED_MGMT,
      AlertCodes.CLIENT_EVENT,
    ]);
  });
});

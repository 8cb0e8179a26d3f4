import { describe, expect, it } from 'vitest';
import { parseMessage, type Item, type Replace, type SyncMLMessage } from '../src/index.js';

const HEADER =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Target><Source><LocURI>DEVICE-1</LocURI></Source></SyncHdr>';

function message(body: string, header = HEADER): string {
  return `<SyncML xmlns="SYNCML:SYNCML1.2">${header}<SyncBody>${body}<Final/></SyncBody></SyncML>`;
}

/** The first Item of a Replace whose Item content is `itemXml`. */
function item(itemXml: string): Item {
  const m = parseMessage(message(`<Replace><CmdID>2</CmdID><Item>${itemXml}</Item></Replace>`));
  return (m.body[0] as Replace).items[0] as Item;
}

/** The Data of an Item whose Data element content is `raw`. */
function data(raw: string): string | undefined {
  return item(`<Data>${raw}</Data>`).data;
}

describe('Data holding XML is kept as a string', () => {
  const payload = '<enabled/><data id="ExampleUrl" value="https://example.com/?a=1&amp;b=2"/>';

  it('arrived in CDATA, pretty-printed around the section', () => {
    expect(data(`\n          <![CDATA[${payload}]]>\n        `)).toBe(payload);
  });

  it('arrived entity-escaped', () => {
    expect(data('&lt;enabled/&gt;&lt;data id="ExampleUrl" value="https://example.com/?a=1&amp;amp;b=2"/&gt;')).toBe(payload);
  });

  it('arrived as raw child elements: kept as their XML text, references included', () => {
    expect(data(payload)).toBe(payload);
  });

  it('with nested elements named Data and data, as real ADMX payloads mix them', () => {
    const mixed = '<Enabled/><Data id="a" value="1"/><data id="b"><Data>x</Data></data>';
    expect(data(mixed)).toBe(mixed);
  });

  it('an MsiInstallJob in CDATA, line breaks and all', () => {
    const job = '<MsiInstallJob id="{AF9257BA}">\n  <Product Version="1.0.0.0">\n    <Download/>\n  </Product>\n</MsiInstallJob>';
    expect(data(`<![CDATA[${job}]]>`)).toBe(job);
  });

  it('several CDATA sections (a split "]]>") concatenate', () => {
    expect(data('<![CDATA[a]]]]><![CDATA[>b]]>')).toBe('a]]>b');
    expect(data('<![CDATA[<a>]]>\n  <![CDATA[</a>]]>')).toBe('<a></a>');
  });

  it('text and CDATA concatenate; only whitespace-only text around CDATA is dropped', () => {
    expect(data('x <![CDATA[<y/>]]> z')).toBe('x <y/> z');
    expect(data('&#32;<![CDATA[<y/>]]>')).toBe(' <y/>');
  });

  it('an empty CDATA section is an empty string', () => {
    expect(data('<![CDATA[]]>')).toBe('');
  });
});

describe('Data text', () => {
  it('keeps whitespace exactly when there is no CDATA', () => {
    expect(data('  two  spaces\n')).toBe('  two  spaces\n');
    expect(data('   ')).toBe('   ');
  });

  it('decodes the predefined entities and character references', () => {
    expect(data('&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#xF000;&#x1F600;')).toBe('<>&"\'AB\uF000😀');
  });

  it('keeps a character reference to CR, which raw text cannot carry', () => {
    expect(data('a&#13;&#10;b')).toBe('a\r\nb');
  });

  it('drops comments between text', () => {
    expect(data('a<!-- note -->b')).toBe('ab');
  });

  it('is an empty string for <Data/> and <Data></Data>, and absent without Data', () => {
    expect(item('<Data/>').data).toBe('');
    expect(data('')).toBe('');
    expect('data' in item('<Target><LocURI>./a</LocURI></Target>')).toBe(false);
  });
});

describe('leaf values', () => {
  it('are trimmed, CDATA or not, but keep inner spaces', () => {
    expect(item('<Target><LocURI>\n   ./ DevDetail/HwV \n</LocURI></Target>').target).toEqual({ locURI: './ DevDetail/HwV' });
    expect(item('<Target><LocURI><![CDATA[ ./a&b ]]></LocURI><LocName>n</LocName></Target>').target).toEqual({
      locURI: './a&b',
      locName: 'n',
    });
  });

  it('keep a non-breaking space, which is data rather than XML whitespace', () => {
    expect(item('<Target><LocURI>\u00a0x\u00a0</LocURI></Target>').target?.locURI).toBe('\u00a0x\u00a0');
  });

  it('Alert and Status codes are trimmed', () => {
    const m = parseMessage(
      message(
        '<Status><CmdID>1</CmdID><MsgRef> 1 </MsgRef><CmdRef>\n0\n</CmdRef><Cmd> SyncHdr </Cmd><Data>\n  200\n</Data></Status>' +
          '<Alert><CmdID>2</CmdID><Data> 1201 </Data></Alert>',
      ),
    );
    expect(m.body).toEqual([
      { kind: 'Status', cmdId: 1, msgRef: 1, cmdRef: 0, cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] },
      { kind: 'Alert', cmdId: 2, data: '1201', items: [] },
    ]);
  });
});

describe('Meta', () => {
  const withNs =
    '<Meta><Format xmlns="syncml:metinf">int</Format><Type xmlns="syncml:metinf">text/plain</Type><Size xmlns="syncml:metinf">12</Size></Meta>';
  const withoutNs = '<Meta><Format>int</Format><Type>text/plain</Type><Size>12</Size></Meta>';

  it('reads children with or without xmlns="syncml:metinf" alike', () => {
    expect(item(withNs).meta).toEqual({ format: 'int', type: 'text/plain', size: 12 });
    expect(item(withoutNs).meta).toEqual(item(withNs).meta);
  });

  it('accepts the namespace on Meta itself, and in any letter case', () => {
    expect(item('<Meta xmlns="syncml:metinf"><Format xmlns="SYNCML:METINF">chr</Format></Meta>').meta).toEqual({ format: 'chr' });
  });

  it('may stand before or after Target', () => {
    const target = '<Target><LocURI>./Vendor/MSFT/Policy/Config/Browser/AllowCookies</LocURI></Target>';
    expect(item(`${withNs}${target}<Data>2</Data>`)).toEqual(item(`${target}${withNs}<Data>2</Data>`));
  });

  it('reads every field, numbers as numbers', () => {
    const m = parseMessage(
      message(
        GET_WITH_META(
          '<Format>b64</Format><Type>application/octet-stream</Type><Mark>high</Mark><Size>1024</Size><MaxObjSize>4096</MaxObjSize><MaxMsgSize>65536</MaxMsgSize><NextNonce>bm9uY2U=</NextNonce><Version>1.0</Version>',
        ),
      ),
    );
    expect((m.body[0] as Replace).meta).toEqual({
      format: 'b64',
      type: 'application/octet-stream',
      mark: 'high',
      size: 1024,
      maxObjSize: 4096,
      maxMsgSize: 65536,
      nextNonce: 'bm9uY2U=',
      version: '1.0',
    });
  });

  it('an empty Meta is an empty object', () => {
    expect(item('<Meta/>').meta).toEqual({});
  });

  it('metinf elements directly in Item (the [MS-MDM] example) count as its Meta, before or after it', () => {
    expect(item('<Meta></Meta><Type xmlns="syncml:metinf">com.microsoft.mdm.synctype</Type><Data>user</Data>').meta).toEqual({
      type: 'com.microsoft.mdm.synctype',
    });
    expect(item('<Format>chr</Format><Meta><Type>t</Type></Meta>').meta).toEqual({ format: 'chr', type: 't' });
  });
});

function GET_WITH_META(metaChildren: string): string {
  return `<Replace><CmdID>2</CmdID><Meta>${metaChildren}</Meta><Item><Target><LocURI>./a</LocURI></Target></Item></Replace>`;
}

describe('dialects', () => {
  const compact = message('<Get><CmdID>2</CmdID><Item><Target><LocURI>./DevDetail/SwV</LocURI></Target></Item></Get>');
  const expected: SyncMLMessage = parseMessage(compact);

  it.each([
    ['with an XML declaration', `<?xml version="1.0" encoding="utf-8"?>${compact}`],
    ['with a declaration after blank lines', `\n\n<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n${compact}`],
    ['with a UTF-8 BOM', `\uFEFF${compact}`],
    ['with single-quoted xmlns', compact.replace('xmlns="SYNCML:SYNCML1.2"', "xmlns='SYNCML:SYNCML1.2'")],
    ['with CRLF line ends and indentation', compact.replaceAll('><', '>\r\n    <')],
    ['with comments and processing instructions', compact.replaceAll('</Target>', '</Target><!-- c --><?pi x?>').replace('<SyncML', '<!-- head --><SyncML')],
    ['with children in another order', compact.replace('<VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>', '<VerProto>DM/1.2</VerProto><VerDTD>1.2</VerDTD>')],
    ['with leading zeros in numbers', compact.replace('<CmdID>2<', '<CmdID>002<').replace('<MsgID>1<', '<MsgID>01<')],
    ['with an ignored attribute', compact.replace('<Get>', '<Get foo="bar">')],
  ])('reads the same message %s', (_what, text) => {
    expect(parseMessage(text)).toEqual(expected);
  });

  it('reads UTF-8 bytes, with or without a BOM, like text', () => {
    const bytes = new TextEncoder().encode(compact);
    expect(parseMessage(bytes)).toEqual(expected);
    expect(parseMessage(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]))).toEqual(expected);
  });

  it('ignores character data between commands (the "..." elisions of published examples)', () => {
    const elided = message('<Get><CmdID>2</CmdID>...<Item><Target><LocURI>./DevDetail/SwV</LocURI></Target>...</Item></Get>\n...\n');
    expect(parseMessage(elided)).toEqual(expected);
  });

  it('keeps the order of commands exactly, nested ones included', () => {
    const m = parseMessage(
      message(
        '<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>' +
          '<Sequence><CmdID>7</CmdID><Exec><CmdID>5</CmdID><Item><Target><LocURI>./x</LocURI></Target></Item></Exec>' +
          '<Atomic><CmdID>6</CmdID><Delete><CmdID>3</CmdID><Item><Target><LocURI>./d</LocURI></Target></Item></Delete></Atomic></Sequence>' +
          '<Copy><CmdID>4</CmdID><Item/></Copy><Add><CmdID>2</CmdID><Item/></Add>',
      ),
    );
    expect(m.body.map((c) => [c.kind, c.cmdId])).toEqual([
      ['Status', 1],
      ['Sequence', 7],
      ['Copy', 4],
      ['Add', 2],
    ]);
    expect(m.body[1]).toEqual({
      kind: 'Sequence',
      cmdId: 7,
      commands: [
        { kind: 'Exec', cmdId: 5, items: [{ target: { locURI: './x' } }] },
        { kind: 'Atomic', cmdId: 6, commands: [{ kind: 'Delete', cmdId: 3, items: [{ target: { locURI: './d' } }] }] },
      ],
    });
  });

  it('reads the optional header parts and command flags', () => {
    const header = HEADER.replace(
      '</SyncHdr>',
      '<RespURI>https://mdm.example.com/next</RespURI><NoResp/><Cred><Meta><Type>syncml:auth-md5</Type></Meta><Data>ZGlnZXN0</Data></Cred><Meta><MaxMsgSize>524288</MaxMsgSize><MaxObjSize>1048576</MaxObjSize></Meta></SyncHdr>',
    );
    const m = parseMessage(
      message(
        '<Exec><CmdID>2</CmdID><NoResp/><Correlator>abc123</Correlator><Item><Target><LocURI>./x</LocURI><LocName>X</LocName></Target><Data>go</Data><MoreData/></Item></Exec>' +
          '<Status><CmdID>3</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Chal><Meta><Type>syncml:auth-md5</Type><Format>b64</Format><NextNonce>bm9uY2U=</NextNonce></Meta></Chal><Data>407</Data></Status>',
        header,
      ),
    );
    expect(m.header).toMatchObject({
      respURI: 'https://mdm.example.com/next',
      noResp: true,
      cred: { meta: { type: 'syncml:auth-md5' }, data: 'ZGlnZXN0' },
      meta: { maxMsgSize: 524288, maxObjSize: 1048576 },
    });
    expect(m.body[0]).toEqual({
      kind: 'Exec',
      cmdId: 2,
      noResp: true,
      correlator: 'abc123',
      items: [{ target: { locURI: './x', locName: 'X' }, data: 'go', moreData: true }],
    });
    expect(m.body[1]).toMatchObject({ chal: { meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: 'bm9uY2U=' } }, data: '407' });
  });

  it('reads a message without Final as not final', () => {
    expect(parseMessage(message('').replace('<Final/>', '')).final).toBe(false);
    expect(parseMessage(message('')).body).toEqual([]);
  });
});

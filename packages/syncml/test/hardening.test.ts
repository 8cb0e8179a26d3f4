import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_BYTES,
  parseMessage,
  SyncMLCmdIdDuplicateError,
  SyncMLCmdIdInvalidError,
  SyncMLCmdIdMissingError,
  SyncMLDoctypeError,
  SyncMLDuplicateElementError,
  SyncMLError,
  SyncMLInvalidContentError,
  SyncMLInvalidNumberError,
  SyncMLMissingElementError,
  SyncMLMsgIdError,
  SyncMLNamespaceError,
  SyncMLNotXmlError,
  SyncMLRootError,
  SyncMLStatusRefError,
  SyncMLTooDeepError,
  SyncMLTooLargeError,
  SyncMLUnknownElementError,
  SyncMLVersionError,
  type ParseOptions,
} from '../src/index.js';

const TARGET_SOURCE =
  '<Target><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Target><Source><LocURI>DEVICE-1</LocURI></Source>';
const HEADER = `<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>${TARGET_SOURCE}</SyncHdr>`;

/** A message with the given SyncBody content (and, optionally, SyncHdr). */
function message(body: string, header = HEADER): string {
  return `<SyncML xmlns="SYNCML:SYNCML1.2">${header}<SyncBody>${body}<Final/></SyncBody></SyncML>`;
}

function thrown(input: string | Uint8Array, options?: ParseOptions): unknown {
  try {
    parseMessage(input, options);
  } catch (error) {
    return error;
  }
  throw new Error('expected parseMessage to throw');
}

/** Asserts the error class, its code, its message (exact string or pattern) and, given, its path. */
function expectFailure(
  input: string | Uint8Array,
  errorClass: abstract new (...args: never[]) => SyncMLError,
  code: string,
  message: string | RegExp,
  options?: ParseOptions,
): void {
  const error = thrown(input, options);
  expect(error).toBeInstanceOf(errorClass);
  expect(error).toBeInstanceOf(SyncMLError);
  expect((error as SyncMLError).code).toBe(code);
  if (typeof message === 'string') expect((error as SyncMLError).message).toBe(message);
  else expect((error as SyncMLError).message).toMatch(message);
}

const GET = '<Get><CmdID>2</CmdID><Item><Target><LocURI>./DevDetail/SwV</LocURI></Target></Item></Get>';

describe('not XML: ERR_SYNCML_NOT_XML', () => {
  it.each([
    ['plain text', 'hello', 'Not well-formed XML at line 1, column 1: text before the root element'],
    ['an empty string', '', 'Not well-formed XML at line 1, column 1: no root element'],
    ['JSON', '{"SyncML":{}}', 'Not well-formed XML at line 1, column 1: text before the root element'],
    ['an unclosed root', '<SyncML xmlns="SYNCML:SYNCML1.2">', /<SyncML> is not closed \(input ends\)$/],
    ['a truncated tag', '<SyncML xmlns="SYNCML:SYNCML1.2"', /tag <SyncML> is not closed$/],
    ['mismatched tags', '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr></SyncBody></SyncML>', /column 43: closing tag <\/SyncBody> does not match <SyncHdr>$/],
    ['a stray closing tag', '<a/></b>', /closing tag <\/b> has no matching opening tag$/],
    ['two roots', '<a/><b/>', /second root element <b>$/],
    ['text after the root', '<a/>tail', /text after the root element$/],
    ['an unquoted attribute', '<a x=1/>', /value of attribute x of <a> is not quoted$/],
    ['a repeated attribute', '<a x="1" x="2"/>', /attribute x repeated in <a>$/],
    ['"<" in an attribute value', '<a x="<"/>', /"<" in the value of attribute x$/],
    ['a bare "<" in text', '<a>1 < 2</a>', /"<" does not start a tag \(escape it as &lt;\)$/],
    ['"]]>" in text', '<a>]]></a>', /"]]>" in text outside a CDATA section$/],
    ['"--" in a comment', '<a><!-- a -- b --></a>', /"--" inside a comment$/],
    ['an unclosed comment', '<a><!-- a </a>', /comment is not closed$/],
    ['an unclosed CDATA section', '<a><![CDATA[x</a>', /CDATA section is not closed$/],
    ['an XML declaration after content', '<a><?xml version="1.0"?></a>', /an XML declaration may only stand at the start$/],
    ['a malformed XML declaration', '<?xml encoding="UTF-8"?><a/>', /malformed XML declaration$/],
  ])('refuses %s', (_what, input, message) => {
    expectFailure(input, SyncMLNotXmlError, 'ERR_SYNCML_NOT_XML', message);
  });

  it('refuses an undeclared entity instead of expanding or keeping it', () => {
    expectFailure(
      message('<Alert><CmdID>1</CmdID><Data>&nbsp;1201</Data></Alert>'),
      SyncMLNotXmlError,
      'ERR_SYNCML_NOT_XML',
      /^Not well-formed XML: "&nbsp;1201" at offset \d+ is not a character or predefined entity reference$/,
    );
  });

  it('refuses a bare "&"', () => {
    expectFailure(message('<Alert><CmdID>1</CmdID><Data>a & b</Data></Alert>'), SyncMLNotXmlError, 'ERR_SYNCML_NOT_XML', /"&" at offset \d+ is not a character/);
  });

  it.each([
    ['&#0;', 'NUL'],
    ['&#xD800;', 'a surrogate'],
    ['&#x110000;', 'beyond Unicode'],
    ['&#xFFFE;', 'a non-character'],
  ])('refuses the character reference %s (%s)', (reference) => {
    const input = message(`<Alert><CmdID>1</CmdID><Data>${reference}</Data></Alert>`);
    expectFailure(
      input,
      SyncMLNotXmlError,
      'ERR_SYNCML_NOT_XML',
      `Not well-formed XML: character reference "${reference}" at offset ${input.indexOf(reference)} names a character XML does not allow`,
    );
  });

  it('refuses a raw control character, naming it', () => {
    expectFailure(
      message('<Alert><CmdID>1</CmdID><Data>12\u000101</Data></Alert>'),
      SyncMLNotXmlError,
      'ERR_SYNCML_NOT_XML',
      /: character U\+0001 is not allowed in XML$/,
    );
  });

  it('refuses bytes that are not UTF-8', () => {
    const bytes = new TextEncoder().encode(message(GET));
    const broken = new Uint8Array([...bytes.slice(0, 40), 0xc3, 0x28, ...bytes.slice(40)]);
    expectFailure(broken, SyncMLNotXmlError, 'ERR_SYNCML_NOT_XML', 'The message is not valid UTF-8');
  });

  it('keeps the decoder error as the cause', () => {
    const error = thrown(new Uint8Array([0x3c, 0xff, 0x3e]));
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('refuses input that is neither text nor bytes', () => {
    expectFailure(
      42 as unknown as string,
      SyncMLNotXmlError,
      'ERR_SYNCML_NOT_XML',
      'Expected the message as a string or Uint8Array, got number',
    );
  });
});

describe('DOCTYPE and entity declarations: ERR_SYNCML_DOCTYPE, before any expansion', () => {
  const billionLaughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
    ']>' +
    message('<Alert><CmdID>1</CmdID><Data>&lol9;</Data></Alert>');

  it('refuses billion laughs at the DOCTYPE, without expanding anything', () => {
    expectFailure(
      billionLaughs,
      SyncMLDoctypeError,
      'ERR_SYNCML_DOCTYPE',
      'Refused at line 1, column 22: "<!DOCTYPE" (DOCTYPE and entity declarations are not accepted)',
    );
  });

  it('refuses an external entity (XXE)', () => {
    const xxe = `<!DOCTYPE SyncML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${message('<Alert><CmdID>1</CmdID><Data>&xxe;</Data></Alert>')}`;
    expectFailure(xxe, SyncMLDoctypeError, 'ERR_SYNCML_DOCTYPE', /^Refused at line 1, column 1: "<!DOCTYPE"/);
  });

  it('refuses a lower-case doctype and a bare entity declaration inside the body', () => {
    expectFailure(`<!doctype x>${message(GET)}`, SyncMLDoctypeError, 'ERR_SYNCML_DOCTYPE', /"<!doctype"/);
    expectFailure(
      message(`<!ENTITY x "y">${GET}`),
      SyncMLDoctypeError,
      'ERR_SYNCML_DOCTYPE',
      /^Refused at line 1, column \d+: "<!ENTITY" \(DOCTYPE and entity declarations are not accepted\)$/,
    );
  });

  it('treats "<!DOCTYPE" inside CDATA as the data it is', () => {
    const m = parseMessage(
      message('<Alert><CmdID>1</CmdID><Data>1224</Data><Item><Data><![CDATA[<!DOCTYPE x>]]></Data></Item></Alert>'),
    );
    expect(m.body[0]).toMatchObject({ items: [{ data: '<!DOCTYPE x>' }] });
  });
});

describe('size limit: ERR_SYNCML_TOO_LARGE, checked on bytes before decoding', () => {
  const valid = message(GET);

  it('accepts a message of exactly the default limit (1 MiB) and refuses one byte more', () => {
    const padded = valid + ' '.repeat(DEFAULT_MAX_BYTES - valid.length);
    expect(parseMessage(padded).body).toHaveLength(1);
    expectFailure(`${padded} `, SyncMLTooLargeError, 'ERR_SYNCML_TOO_LARGE', 'The message has more than 1048576 bytes (the limit)');
  });

  it('counts UTF-8 bytes, not UTF-16 units', () => {
    const text = message(`<Alert><CmdID>1</CmdID><Data>1224</Data><Item><Data>${'é'.repeat(60)}</Data></Item></Alert>`);
    const bytes = new TextEncoder().encode(text).length;
    expect(text.length).toBeLessThanOrEqual(bytes - 60);
    expectFailure(text, SyncMLTooLargeError, 'ERR_SYNCML_TOO_LARGE', `The message has ${bytes} bytes; the limit is ${bytes - 1}`, {
      maxBytes: bytes - 1,
    });
    expect(parseMessage(text, { maxBytes: bytes }).body).toHaveLength(1);
  });

  it('refuses oversized bytes without decoding them (invalid UTF-8 beyond the limit is never looked at)', () => {
    const bytes = new Uint8Array(2000).fill(0xff);
    expectFailure(bytes, SyncMLTooLargeError, 'ERR_SYNCML_TOO_LARGE', 'The message has 2000 bytes; the limit is 1000', { maxBytes: 1000 });
  });

  it('refuses a limit that is not a positive integer (a programming error, not bad input)', () => {
    expect(() => parseMessage(valid, { maxBytes: 0 })).toThrow(RangeError);
    expect(() => parseMessage(valid, { maxDepth: 1.5 })).toThrow('parseMessage: maxDepth must be an integer from 1 to 1000, got 1.5');
  });
});

describe('depth limit: ERR_SYNCML_TOO_DEEP, from a linear pre-scan', () => {
  /** A message whose Item Data holds raw XML nesting the given number of levels below Data. */
  function nestedPayload(levels: number): string {
    return message(`<Replace><CmdID>2</CmdID><Item><Data>${'<x>'.repeat(levels)}${'</x>'.repeat(levels)}</Data></Item></Replace>`);
  }

  it('accepts depth 32 and refuses depth 33 by default', () => {
    // SyncML(1) SyncBody(2) Replace(3) Item(4) Data(5): 27 more levels reach 32.
    expect(parseMessage(nestedPayload(27)).body).toHaveLength(1);
    expectFailure(
      nestedPayload(28),
      SyncMLTooDeepError,
      'ERR_SYNCML_TOO_DEEP',
      /^Elements nest deeper than 32 levels: <x> at line 1, column \d+ is at depth 33$/,
    );
  });

  it('refuses 100,000 unclosed levels without exhausting the stack', () => {
    const deep = `<SyncML xmlns="SYNCML:SYNCML1.2">${'<Sequence>'.repeat(100_000)}`;
    expectFailure(deep, SyncMLTooDeepError, 'ERR_SYNCML_TOO_DEEP', /^Elements nest deeper than 32 levels: <Sequence> at line 1, column \d+ is at depth 33$/);
  });

  it('honours maxDepth', () => {
    expectFailure(message(GET), SyncMLTooDeepError, 'ERR_SYNCML_TOO_DEEP', /deeper than 5 levels: <LocURI> .* is at depth 6$/, { maxDepth: 5 });
    expect(parseMessage(message(GET), { maxDepth: 6 }).body).toHaveLength(1);
  });
});

describe('root, namespace and version', () => {
  it('refuses a root that is not SyncML: ERR_SYNCML_ROOT', () => {
    expectFailure('<Envelope/>', SyncMLRootError, 'ERR_SYNCML_ROOT', 'The root element is <Envelope>; expected <SyncML>');
    expectFailure(
      message(GET).replace('<SyncML', '<syncml').replace('</SyncML>', '</syncml>'),
      SyncMLRootError,
      'ERR_SYNCML_ROOT',
      'The root element is <syncml>; expected <SyncML>',
    );
  });

  it('refuses a missing or wrong namespace: ERR_SYNCML_NAMESPACE', () => {
    expectFailure(
      message(GET).replace(' xmlns="SYNCML:SYNCML1.2"', ''),
      SyncMLNamespaceError,
      'ERR_SYNCML_NAMESPACE',
      '<SyncML> declares no namespace; expected xmlns="SYNCML:SYNCML1.2"',
    );
    expectFailure(
      message(GET).replace('SYNCML:SYNCML1.2', 'SYNCML:SYNCML1.1'),
      SyncMLNamespaceError,
      'ERR_SYNCML_NAMESPACE',
      '<SyncML> at the root declares namespace "SYNCML:SYNCML1.1"; expected "SYNCML:SYNCML1.2"',
    );
    expectFailure(
      message('<Alert><CmdID>1</CmdID><Data>1224</Data><Item><Meta><Type xmlns="urn:other">x</Type></Meta></Item></Alert>'),
      SyncMLNamespaceError,
      'ERR_SYNCML_NAMESPACE',
      '<Type> at body[0].items[0].meta declares namespace "urn:other"; expected "syncml:metinf"',
    );
  });

  it('accepts the namespace in the spelling of the specification', () => {
    expect(parseMessage(message(GET).replace('SYNCML:SYNCML1.2', 'syncml:syncml1.2')).body).toHaveLength(1);
  });

  it('refuses another VerDTD or VerProto: ERR_SYNCML_VERSION', () => {
    expectFailure(message(GET, HEADER.replace('<VerDTD>1.2', '<VerDTD>1.1')), SyncMLVersionError, 'ERR_SYNCML_VERSION', 'SyncHdr VerDTD is "1.1"; expected 1.2');
    expectFailure(
      message(GET, HEADER.replace('DM/1.2', 'DS/1.2')),
      SyncMLVersionError,
      'ERR_SYNCML_VERSION',
      'SyncHdr VerProto is "DS/1.2"; expected DM/1.2',
    );
    expectFailure(
      message(GET, HEADER.replace('<VerDTD>1.2</VerDTD>', '')),
      SyncMLVersionError,
      'ERR_SYNCML_VERSION',
      'SyncHdr has no VerDTD; expected 1.2',
    );
  });
});

describe('MsgID: ERR_SYNCML_MSGID', () => {
  it.each([
    ['abc', 'SyncHdr MsgID is "abc"; expected an integer ≥ 1'],
    ['0', 'SyncHdr MsgID is "0"; expected an integer ≥ 1'],
    ['-1', 'SyncHdr MsgID is "-1"; expected an integer ≥ 1'],
    ['1e3', 'SyncHdr MsgID is "1e3"; expected an integer ≥ 1'],
  ])('refuses MsgID %s', (value, text) => {
    expectFailure(message(GET, HEADER.replace('<MsgID>1<', `<MsgID>${value}<`)), SyncMLMsgIdError, 'ERR_SYNCML_MSGID', text);
  });

  it('refuses a header without MsgID', () => {
    expectFailure(message(GET, HEADER.replace('<MsgID>1</MsgID>', '')), SyncMLMsgIdError, 'ERR_SYNCML_MSGID', 'SyncHdr has no MsgID');
  });
});

describe('CmdID', () => {
  it('refuses a command without CmdID: ERR_SYNCML_CMDID_MISSING', () => {
    expectFailure(
      message('<Replace><Item><Target><LocURI>./a</LocURI></Target></Item></Replace>'),
      SyncMLCmdIdMissingError,
      'ERR_SYNCML_CMDID_MISSING',
      'Replace at body[0] has no CmdID',
    );
  });

  it('finds a missing CmdID inside Atomic', () => {
    expectFailure(
      message(`<Atomic><CmdID>3</CmdID>${GET}<Add><Item><Target><LocURI>./a</LocURI></Target></Item></Add></Atomic>`),
      SyncMLCmdIdMissingError,
      'ERR_SYNCML_CMDID_MISSING',
      'Add at body[0].commands[1] has no CmdID',
    );
  });

  it.each(['0', 'abc', '-1', '1.5', ''])('refuses CmdID "%s": ERR_SYNCML_CMDID_INVALID', (value) => {
    expectFailure(
      message(GET.replace('<CmdID>2<', `<CmdID>${value}<`)),
      SyncMLCmdIdInvalidError,
      'ERR_SYNCML_CMDID_INVALID',
      `Get at body[0] has CmdID "${value}"; a CmdID is an integer ≥ 1`,
    );
  });

  it('refuses a CmdID used twice: ERR_SYNCML_CMDID_DUPLICATE', () => {
    expectFailure(message(GET + GET), SyncMLCmdIdDuplicateError, 'ERR_SYNCML_CMDID_DUPLICATE', 'Get at body[1] reuses CmdID 2 of Get at body[0]');
  });

  it('counts nested commands in the same CmdID space', () => {
    expectFailure(
      message(`<Sequence><CmdID>2</CmdID>${GET.replace('<CmdID>2<', '<CmdID>3<')}</Sequence>${GET.replace('<CmdID>2<', '<CmdID>3<')}`),
      SyncMLCmdIdDuplicateError,
      'ERR_SYNCML_CMDID_DUPLICATE',
      'Get at body[1] reuses CmdID 3 of Get at body[0].commands[0]',
    );
  });
});

describe('Status and Results references: ERR_SYNCML_STATUS_REF', () => {
  const status = (inner: string): string => message(`<Status><CmdID>1</CmdID>${inner}<Cmd>SyncHdr</Cmd><Data>200</Data></Status>`);

  it('refuses a Status without MsgRef', () => {
    expectFailure(status('<CmdRef>0</CmdRef>'), SyncMLStatusRefError, 'ERR_SYNCML_STATUS_REF', 'Status at body[0] has no MsgRef');
  });

  it('refuses a Status without CmdRef', () => {
    expectFailure(status('<MsgRef>1</MsgRef>'), SyncMLStatusRefError, 'ERR_SYNCML_STATUS_REF', 'Status at body[0] has no CmdRef');
  });

  it('refuses a non-numeric reference', () => {
    expectFailure(
      status('<MsgRef>one</MsgRef><CmdRef>0</CmdRef>'),
      SyncMLStatusRefError,
      'ERR_SYNCML_STATUS_REF',
      'Status at body[0] has MsgRef "one"; expected an integer ≥ 0',
    );
  });

  it('refuses Results without CmdRef', () => {
    expectFailure(
      message('<Results><CmdID>1</CmdID><MsgRef>1</MsgRef><Item><Data>x</Data></Item></Results>'),
      SyncMLStatusRefError,
      'ERR_SYNCML_STATUS_REF',
      'Results at body[0] has no CmdRef',
    );
  });
});

describe('elements the codec cannot represent: ERR_SYNCML_UNKNOWN_ELEMENT', () => {
  it.each([
    ['a Sync command', '<Sync><CmdID>1</CmdID></Sync>', '<Sync> at body[0] is not a SyncML command this codec supports'],
    ['an unknown element in Item', '<Get><CmdID>1</CmdID><Item><Foo/></Item></Get>', '<Foo> at body[0].items[0] is not an element of Item that this codec supports'],
    ['Anchor in Meta', '<Get><CmdID>1</CmdID><Meta><Anchor/></Meta></Get>', '<Anchor> at body[0].meta is not an element of Meta that this codec supports'],
    ['Lang in Get', '<Get><CmdID>1</CmdID><Lang>en</Lang></Get>', '<Lang> at body[0] is not an element of Get that this codec supports'],
    ['an Item directly in Atomic', '<Atomic><CmdID>1</CmdID><Item/></Atomic>', '<Item> at body[0].commands[0] is not a SyncML command this codec supports'],
  ])('refuses %s', (_what, body, text) => {
    expectFailure(message(body), SyncMLUnknownElementError, 'ERR_SYNCML_UNKNOWN_ELEMENT', text);
  });

  it('refuses element names the XML parser reserves, as unknown elements', () => {
    expectFailure(
      message('<constructor/>'),
      SyncMLUnknownElementError,
      'ERR_SYNCML_UNKNOWN_ELEMENT',
      /^<constructor> at line 1, column \d+ is not a SyncML element$/,
    );
  });

  it('refuses an unknown element in SyncHdr', () => {
    expectFailure(
      message(GET, HEADER.replace('</SyncHdr>', '<Foo>1</Foo></SyncHdr>')),
      SyncMLUnknownElementError,
      'ERR_SYNCML_UNKNOWN_ELEMENT',
      '<Foo> at header is not an element of SyncHdr that this codec supports',
    );
  });
});

describe('structure', () => {
  it('refuses a missing required element: ERR_SYNCML_MISSING_ELEMENT', () => {
    expectFailure(
      `<SyncML xmlns="SYNCML:SYNCML1.2">${HEADER}</SyncML>`,
      SyncMLMissingElementError,
      'ERR_SYNCML_MISSING_ELEMENT',
      '<SyncML> has no SyncBody',
    );
    expectFailure(
      message('<Get><CmdID>1</CmdID><Item><Target></Target></Item></Get>'),
      SyncMLMissingElementError,
      'ERR_SYNCML_MISSING_ELEMENT',
      '<Target> at body[0].items[0].target has no LocURI',
    );
    expectFailure(
      message('<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd></Status>'),
      SyncMLMissingElementError,
      'ERR_SYNCML_MISSING_ELEMENT',
      'Status at body[0] has no Data (the status code)',
    );
    expectFailure(message('<Alert><CmdID>1</CmdID></Alert>'), SyncMLMissingElementError, 'ERR_SYNCML_MISSING_ELEMENT', 'Alert at body[0] has no Data (the alert code)');
    expectFailure(message(GET, HEADER.replace('<SessionID>1</SessionID>', '')), SyncMLMissingElementError, 'ERR_SYNCML_MISSING_ELEMENT', 'SyncHdr has no SessionID');
  });

  it('refuses an element repeated where it may occur once: ERR_SYNCML_DUPLICATE_ELEMENT', () => {
    expectFailure(
      message('<Get><CmdID>1</CmdID><Item><Target><LocURI>./a</LocURI><LocURI>./b</LocURI></Target></Item></Get>'),
      SyncMLDuplicateElementError,
      'ERR_SYNCML_DUPLICATE_ELEMENT',
      '<LocURI> occurs more than once at body[0].items[0].target',
    );
    expectFailure(
      message('<Get><CmdID>1</CmdID><CmdID>2</CmdID></Get>'),
      SyncMLDuplicateElementError,
      'ERR_SYNCML_DUPLICATE_ELEMENT',
      '<CmdID> occurs more than once at body[0]',
    );
    expectFailure(
      message('<Replace><CmdID>1</CmdID><Item><Data>a</Data><Data>b</Data></Item></Replace>'),
      SyncMLDuplicateElementError,
      'ERR_SYNCML_DUPLICATE_ELEMENT',
      '<Data> occurs more than once at body[0].items[0]',
    );
  });

  it('refuses elements inside a text leaf or a marker: ERR_SYNCML_INVALID_CONTENT', () => {
    expectFailure(
      message('<Get><CmdID>1</CmdID><Item><Target><LocURI><b>x</b></LocURI></Target></Item></Get>'),
      SyncMLInvalidContentError,
      'ERR_SYNCML_INVALID_CONTENT',
      '<LocURI> at body[0].items[0].target.locURI must hold text, but contains the element <b>',
    );
    expectFailure(
      `<SyncML xmlns="SYNCML:SYNCML1.2">${HEADER}<SyncBody>${GET}<Final><x/></Final></SyncBody></SyncML>`,
      SyncMLInvalidContentError,
      'ERR_SYNCML_INVALID_CONTENT',
      '<Final> at final must be empty, but contains <x>',
    );
  });

  it('refuses a Meta number that is not an integer ≥ 0: ERR_SYNCML_INVALID_NUMBER', () => {
    expectFailure(
      message(GET, HEADER.replace('</SyncHdr>', '<Meta><MaxMsgSize xmlns="syncml:metinf">-1</MaxMsgSize></Meta></SyncHdr>')),
      SyncMLInvalidNumberError,
      'ERR_SYNCML_INVALID_NUMBER',
      '<MaxMsgSize> at header.meta.maxMsgSize is "-1"; expected an integer ≥ 0',
    );
    const error = thrown(message('<Replace><CmdID>1</CmdID><Item><Meta><Size>big</Size></Meta><Data>x</Data></Item></Replace>'));
    expect(error).toBeInstanceOf(SyncMLInvalidNumberError);
    expect(error).toMatchObject({
      code: 'ERR_SYNCML_INVALID_NUMBER',
      path: 'body[0].items[0].meta.size',
      message: '<Size> at body[0].items[0].meta.size is "big"; expected an integer ≥ 0',
    });
  });
});

describe('after a refusal', () => {
  it('the next message parses normally (no state leaks between calls)', () => {
    thrown('<a>');
    thrown(`<!DOCTYPE x>${message(GET)}`);
    thrown(message(GET + GET));
    expect(parseMessage(message(GET)).body).toEqual([
      { kind: 'Get', cmdId: 2, items: [{ target: { locURI: './DevDetail/SwV' } }] },
    ]);
  });
});

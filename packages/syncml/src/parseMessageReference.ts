import { XMLParser } from 'fast-xml-parser';
import type { SyncMLMessage } from './SyncMLMessage.js';
import { SyncMLNotXmlError } from './SyncMLError.js';
import { DEPTH_CEILING, messageText, type ParseOptions } from './parseMessage.js';
import { readMessage, type FxpNode } from './readMessage.js';
import { scanXml } from './scanXml.js';

// Entities are never expanded by the parser (the scanner has refused DTDs and checked every
// reference; readMessage decodes the five predefined ones and character references itself).
// `Data` is a stop node so that XML payloads reach the AST exactly as written.
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '#cdata',
  commentPropName: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  stopNodes: ['*.Data'],
  // The scanner enforces the real limit; this only keeps the parser's own guard out of the way.
  maxNestedTags: DEPTH_CEILING + 1,
  // With the default (true) the parser builds a path string for every element, for callbacks
  // this codec does not use: about a sixth of its time.
  jPath: false,
});

/**
 * The reference reader: parses one SyncML DM 1.2 message like {@link parseMessage}, through a
 * general-purpose XML parser. The security gate (`scanXml`: size, DOCTYPE refusal, depth,
 * well-formedness) runs over the text first, then fast-xml-parser builds an ordered tree and the
 * reader walks it into the AST.
 *
 * It exists to prove the fast reader right: a differential property test checks, on generated,
 * real, mutated and arbitrary inputs, that `parseMessage` returns a deep-equal AST or throws a
 * `SyncMLError` with the same code, path and message. It is some 20 to 50 times slower; use
 * `parseMessage` everywhere else.
 *
 * @param xml - The message, as text or as UTF-8 bytes.
 * @param options - Size and depth limits, as for `parseMessage`.
 * @throws {SyncMLError} when the input is not a well-formed, valid SyncML DM 1.2 message.
 * @throws {RangeError} when `options` are out of range.
 *
 * @example
 * ```ts
 * expect(parseMessage(body)).toStrictEqual(parseMessageReference(body));
 * ```
 */
export function parseMessageReference(xml: string | Uint8Array, options: ParseOptions = {}): SyncMLMessage {
  const { text, maxDepth } = messageText(xml, options);
  scanXml(text, maxDepth);

  let nodes: FxpNode[];
  try {
    nodes = parser.parse(text) as FxpNode[];
  } catch (cause) {
    // Defence in depth: the scanner should have refused whatever the parser cannot read.
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new SyncMLNotXmlError(`The XML parser refused the message: ${reason}`, { cause });
  }
  return readMessage(nodes);
}

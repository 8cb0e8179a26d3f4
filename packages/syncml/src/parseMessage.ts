import { XMLParser } from 'fast-xml-parser';
import type { SyncMLMessage } from './SyncMLMessage.js';
import { SyncMLNotXmlError, SyncMLTooLargeError } from './SyncMLError.js';
import { readMessage, type FxpNode } from './readMessage.js';
import { scanXml } from './scanXml.js';
import { utf8ByteLength } from './utf8ByteLength.js';

/** Limits `parseMessage` enforces before any XML parsing happens. */
export interface ParseOptions {
  /** Largest accepted message in UTF-8 bytes. Default 1 MiB (1,048,576). */
  maxBytes?: number;
  /** Deepest accepted element nesting, the root being depth 1. Default 32; at most 1,000. */
  maxDepth?: number;
}

/** The default of {@link ParseOptions.maxBytes}: 1 MiB, twice the 512 KiB MaxMsgSize Intune announces. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;
/** The default of {@link ParseOptions.maxDepth}; real messages nest at most about 8 deep (12 with an XML payload). */
export const DEFAULT_MAX_DEPTH = 32;
const DEPTH_CEILING = 1000;

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

const utf8 = new TextDecoder('utf-8', { fatal: true });

function limit(value: number | undefined, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new RangeError(`parseMessage: ${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Parses one SyncML DM 1.2 message (the body of an `application/vnd.syncml.dm+xml` request or
 * response) into the typed AST, refusing anything that is not a well-formed, valid message.
 *
 * Hardened for input from the network: the byte size is checked before decoding, DOCTYPE and entity
 * declarations are refused before any parser sees the text, nesting depth is checked by a linear
 * scan, and nothing but the five predefined entities and character references is ever expanded.
 * Every failure is a {@link SyncMLError} with a `code`; no other exception escapes for bad input.
 *
 * Accepted dialects: with or without XML declaration (leading whitespace tolerated), a UTF-8 BOM,
 * pretty-printed or compact, `SYNCML:SYNCML1.2` in any letter case and either quote, Meta children
 * with or without `xmlns="syncml:metinf"`, children of an element in any order, comments anywhere.
 *
 * @param xml - The message, as text or as UTF-8 bytes.
 * @param options - Size and depth limits.
 * @throws {SyncMLError} when the input is not a well-formed, valid SyncML DM 1.2 message.
 * @throws {RangeError} when `options` are out of range (a programming error, not bad input).
 *
 * @example
 * ```ts
 * const message = parseMessage(requestBody, { maxBytes: 512 * 1024 });
 * for (const command of message.body) {
 *   if (command.kind === 'Status') console.log(command.cmdRef, statusCode(command));
 * }
 * ```
 */
export function parseMessage(xml: string | Uint8Array, options: ParseOptions = {}): SyncMLMessage {
  const maxBytes = limit(options.maxBytes, DEFAULT_MAX_BYTES, 'maxBytes', Number.MAX_SAFE_INTEGER);
  const maxDepth = limit(options.maxDepth, DEFAULT_MAX_DEPTH, 'maxDepth', DEPTH_CEILING);

  let text: string;
  if (typeof xml === 'string') {
    // Each UTF-16 unit takes at least one byte, so a long string is too large without counting.
    if (xml.length > maxBytes) {
      throw new SyncMLTooLargeError(`The message has more than ${maxBytes} bytes (the limit)`);
    }
    const bytes = utf8ByteLength(xml);
    if (bytes > maxBytes) {
      throw new SyncMLTooLargeError(`The message has ${bytes} bytes; the limit is ${maxBytes}`);
    }
    text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  } else if (xml instanceof Uint8Array) {
    if (xml.byteLength > maxBytes) {
      throw new SyncMLTooLargeError(`The message has ${xml.byteLength} bytes; the limit is ${maxBytes}`);
    }
    try {
      text = utf8.decode(xml); // strips a BOM
    } catch (cause) {
      throw new SyncMLNotXmlError('The message is not valid UTF-8', { cause });
    }
  } else {
    throw new SyncMLNotXmlError(`Expected the message as a string or Uint8Array, got ${typeof xml}`);
  }

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

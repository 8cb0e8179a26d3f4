import type { SyncMLMessage } from './SyncMLMessage.js';
import { SyncMLNotXmlError, SyncMLTooLargeError } from './SyncMLError.js';
import { buildMessage } from './buildMessage.js';
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
/** The largest {@link ParseOptions.maxDepth} accepted. */
export const DEPTH_CEILING = 1000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Anything but printable ASCII, tab, CR and LF: a text without any is all XML characters, and as
// many UTF-8 bytes as UTF-16 units. One native scan answers both questions for most messages.
const NOT_PLAIN = /[^\t\n\r\u0020-\u007f]/;

function limit(value: number | undefined, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new RangeError(`parseMessage: ${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

/** What {@link messageText} hands the readers. */
export interface MessageText {
  /** The message, decoded, without a BOM. */
  text: string;
  maxDepth: number;
  /** Whether the text is printable ASCII, tab, CR and LF only (so that every character is one XML allows). */
  plain: boolean;
}

/**
 * The front half both readers share: checks the options, the size in UTF-8 bytes (before
 * decoding), decodes bytes strictly and drops a BOM. Internal to the package.
 */
export function messageText(xml: string | Uint8Array, options: ParseOptions): MessageText {
  const maxBytes = limit(options.maxBytes, DEFAULT_MAX_BYTES, 'maxBytes', Number.MAX_SAFE_INTEGER);
  const maxDepth = limit(options.maxDepth, DEFAULT_MAX_DEPTH, 'maxDepth', DEPTH_CEILING);

  let text: string;
  if (typeof xml === 'string') {
    // Each UTF-16 unit takes at least one byte, so a long string is too large without counting.
    if (xml.length > maxBytes) {
      throw new SyncMLTooLargeError(`The message has more than ${maxBytes} bytes (the limit)`);
    }
    const plain = !NOT_PLAIN.test(xml);
    // A UTF-16 unit takes at most three bytes: only count when that bound exceeds the limit.
    if (!plain && xml.length * 3 > maxBytes) {
      const bytes = utf8ByteLength(xml);
      if (bytes > maxBytes) {
        throw new SyncMLTooLargeError(`The message has ${bytes} bytes; the limit is ${maxBytes}`);
      }
    }
    if (plain) return { text: xml, maxDepth, plain };
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
  return { text, maxDepth, plain: !NOT_PLAIN.test(text) };
}

/**
 * Parses one SyncML DM 1.2 message (the body of an `application/vnd.syncml.dm+xml` request or
 * response) into the typed AST, refusing anything that is not a well-formed, valid message.
 *
 * A specialised single-pass reader: one linear, iterative scan checks the XML and builds the AST
 * as it goes, with no intermediate tree. It is proven equal to {@link parseMessageReference} (the
 * same checks through fast-xml-parser) by a differential property test: for every input, both
 * return deep-equal ASTs or both throw a `SyncMLError` with the same code, path and message.
 *
 * Hardened for input from the network: the byte size is checked before decoding, DOCTYPE and entity
 * declarations are refused before anything is built from them, the depth limit is enforced
 * without recursion, and nothing but the five predefined entities and character references is
 * ever expanded. Every failure is a {@link SyncMLError} with a `code`; no other exception escapes
 * for bad input. Syntax errors take precedence over SyncML errors wherever they stand in the text.
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
  const { text, maxDepth, plain } = messageText(xml, options);
  return buildMessage(text, maxDepth, plain);
}

const NOT_ASCII = /[^\u0000-\u007f]/;

/**
 * The number of bytes `text` takes in UTF-8, without encoding it. Lone surrogates count as the
 * three bytes of U+FFFD, as `TextEncoder` would write them. Exported for planners that budget
 * message sizes (MaxMsgSize is in bytes, JavaScript strings are in UTF-16 units).
 *
 * @example
 * ```ts
 * utf8ByteLength('é'); // 2
 * ```
 */
export function utf8ByteLength(text: string): number {
  let bytes = text.length;
  // ASCII text, by far the most common, is counted by its length (the test runs natively).
  const first = text.search(NOT_ASCII);
  if (first === -1) return bytes;
  for (let i = first; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // two UTF-16 units, four bytes
        i++;
      } else {
        bytes += 2;
      }
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

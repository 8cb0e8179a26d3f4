/**
 * FNV-1a, 64-bit, over the UTF-8 bytes of `text`, as 16 lowercase hex digits. The planner's
 * fingerprint of an ADMX file (`fnv1a64:<hex>`): pure JavaScript, so it runs wherever the planner
 * does, and it only has to tell one revision of a file from the next (it is not a security
 * boundary: the admin supplies the files). Lone surrogates count as U+FFFD, like `TextEncoder`.
 * Internal to the package.
 *
 * @example
 * ```ts
 * fnv1a64('foobar'); // '85944171f73967e8'
 * ```
 */
export function fnv1a64(text: string): string {
  // The 64-bit state as two unsigned 32-bit halves; offset basis 0xcbf29ce484222325.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const step = (byte: number): void => {
    lo = (lo ^ byte) >>> 0;
    // × 0x100000001b3 = × 0x1b3 + × 2^40; the 2^40 part only reaches the high half (lo << 8).
    const low = lo * 0x1b3; // < 2^41: exact in a double
    hi = (Math.imul(hi, 0x1b3) + Math.floor(low / 0x100000000) + (lo << 8)) >>> 0;
    lo = low >>> 0;
  };
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        cp = 0xfffd;
      }
    }
    if (cp < 0x80) {
      step(cp);
    } else if (cp < 0x800) {
      step(0xc0 | (cp >> 6));
      step(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      step(0xe0 | (cp >> 12));
      step(0x80 | ((cp >> 6) & 0x3f));
      step(0x80 | (cp & 0x3f));
    } else {
      step(0xf0 | (cp >> 18));
      step(0x80 | ((cp >> 12) & 0x3f));
      step(0x80 | ((cp >> 6) & 0x3f));
      step(0x80 | (cp & 0x3f));
    }
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

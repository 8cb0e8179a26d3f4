import { AdmxError, admxBackedValuesEqual, canonicalXml } from '@winmdm/admx';
import type { ReadBack } from './nodeTransition.js';

/**
 * How a value read back is compared with the value sent (chosen by the planner from the format it
 * sent and whether the value is ADMX-backed): `int` and `float` numerically (`08` equals `8`),
 * `bool` as truth values (`1` equals `true`), `xml` canonicalised (attribute order, CDATA or
 * escapes, whitespace between elements do not matter), `admx` through `admxBackedValuesEqual`
 * (tag case, data order, escaping), `b64` without whitespace, `chr` exactly.
 */
export type ReadBackComparer = 'int' | 'float' | 'bool' | 'xml' | 'admx' | 'b64' | 'chr';

const INTEGER = /^\s*[+-]?[0-9]+\s*$/;
const TRUE = new Set(['true', '1']);
const FALSE = new Set(['false', '0']);

/** The comparer for a value sent with `Meta/Format` `format`; `admxBacked` for an ADMX-backed payload. */
export function readBackComparer(format: string, admxBacked: boolean): ReadBackComparer {
  if (admxBacked) return 'admx';
  if (format === 'int' || format === 'float' || format === 'bool' || format === 'xml' || format === 'b64') return format;
  return 'chr';
}

function truth(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  return TRUE.has(t) ? true : FALSE.has(t) ? false : undefined;
}

function xmlEqual(a: string, b: string): boolean {
  try {
    return canonicalXml(a) === canonicalXml(b);
  } catch (err) {
    if (!(err instanceof AdmxError)) throw err;
    // Not XML on one side: only the same text is the same value.
    return a.trim() === b.trim();
  }
}

/**
 * Whether the device's value `actual` (the Data of its Results) is the value `sent`, for the
 * comparer the planner chose. Pure.
 *
 * @example
 * ```ts
 * readBackEqual('int', '8', '08');                                          // true
 * readBackEqual('admx', '<enabled/><data id="A" value="1"/>', '<Enabled/><Data id="a" value="1"/>'); // true
 * readBackEqual('chr', 'https://x.example', 'https://X.example');           // false
 * ```
 */
export function readBackEqual(comparer: ReadBackComparer, sent: string, actual: string): boolean {
  switch (comparer) {
    case 'int':
      return INTEGER.test(sent) && INTEGER.test(actual) && BigInt(sent.trim()) === BigInt(actual.trim());
    case 'float': {
      const a = Number(sent);
      const b = Number(actual);
      return sent.trim() !== '' && actual.trim() !== '' && Number.isFinite(a) && a === b;
    }
    case 'bool': {
      const a = truth(sent);
      return a !== undefined && a === truth(actual);
    }
    case 'xml':
      return xmlEqual(sent, actual);
    case 'admx':
      return admxBackedValuesEqual(sent, actual);
    case 'b64':
      return sent.replace(/\s+/g, '') === actual.replace(/\s+/g, '');
    case 'chr':
      return sent === actual;
  }
}

/**
 * What a read-back `Get` found, as the state machine takes it: the Status code of the Get, and the
 * Data of its Results when it returned a value. 404 is `absent` (`expected` when the node is known
 * to answer so, see `UNVERIFIABLE_NODES`), another 4xx `unreadable`, anything else that is not a
 * 2xx `transient`; a value is `equal` or `different`.
 *
 * @example
 * ```ts
 * compareReadBack({ comparer: 'bool', sent: 'true', absentIsNormal: false }, 200, '1'); // { kind: 'equal' }
 * compareReadBack({ comparer: 'chr', sent: 'x', absentIsNormal: true }, 404);          // { kind: 'absent', expected: true }
 * ```
 */
export function compareReadBack(
  node: { comparer: ReadBackComparer; sent: string; absentIsNormal: boolean },
  code: number,
  actual?: string,
): ReadBack {
  if (code === 404) return { kind: 'absent', expected: node.absentIsNormal };
  if (code >= 400 && code < 500) return { kind: 'unreadable' };
  if (code < 200 || code >= 300 || actual === undefined) return { kind: 'transient' };
  return readBackEqual(node.comparer, node.sent, actual) ? { kind: 'equal' } : { kind: 'different', actual };
}

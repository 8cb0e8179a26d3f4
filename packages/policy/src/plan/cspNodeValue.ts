import type { ConfigValue } from '../ConfigValueSchema.js';

/** The `Data` and `Meta/Format` of a plain CSP value, or why it cannot be sent. */
export type CspNodeValue = { ok: true; data: string; format: string } | { ok: false; message: string };

const POLICY_CONFIG = /^\.\/(?:Device|User)\/Vendor\/MSFT\/Policy\/Config\//;
const INTEGER = /^-?[0-9]+$/;

function numberData(n: number): CspNodeValue {
  if (Number.isSafeInteger(n)) return { ok: true, data: String(n), format: 'int' };
  if (Number.isInteger(n)) {
    return { ok: false, message: `${n} is an integer beyond ±2^53; write it as a string with an explicit format` };
  }
  // JSON cannot carry NaN or Infinity, so a non-integer here is a finite fraction.
  return { ok: true, data: String(n), format: 'float' };
}

/**
 * The canonical form of a plain CSP value at `locUri` (a normalised OMA-URI): the exact `Data` to
 * send, which is also the node's canonical value, and its `Meta/Format`.
 *
 * - `{ value, format }`: the value's data with that format (an explicit format always wins; without
 *   one, the format the bare value would get);
 * - a number: `int` (a fraction: `float`, which Windows CSPs such as Policy never use, so that
 *   `1.5` is not silently truncated);
 * - a boolean: `bool`, `true`/`false`;
 * - a string of digits (optionally negative) under `./Device|User/Vendor/MSFT/Policy/Config/`:
 *   `int`, because Policy CSP integers refuse `chr`; any other string: `chr`.
 *
 * ADMX-backed values (`{ state, data }`, payload strings) are not handled here. Internal.
 */
export function cspNodeValue(locUri: string, value: ConfigValue): CspNodeValue {
  if (typeof value === 'string') {
    return { ok: true, data: value, format: INTEGER.test(value) && POLICY_CONFIG.test(locUri) ? 'int' : 'chr' };
  }
  if (typeof value === 'number') return numberData(value);
  if (typeof value === 'boolean') return { ok: true, data: value ? 'true' : 'false', format: 'bool' };
  if ('value' in value) {
    const data = cspNodeValue(locUri, value.value);
    if (!data.ok) return data;
    return { ok: true, data: data.data, format: value.format ?? data.format };
  }
  return { ok: false, message: 'an ADMX-backed value is not a plain CSP value' };
}

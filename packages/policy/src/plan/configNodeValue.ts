import {
  AdmxError,
  decodeAdmxBackedValue,
  encodeAdmxBackedValue,
  validateAdmxBackedValue,
  type AdmxBackedValue,
  type AdmxPolicy,
} from '@winmdm/admx';
import type { ConfigValue } from '../ConfigValueSchema.js';
import type { PlanIssueCode } from './Plan.js';
import { cspNodeValue } from './cspNodeValue.js';
import { looksLikeAdmxBackedPayload } from './looksLikeAdmxBackedPayload.js';

/** A policy of an effective ADMX file: its definition and the ingestion it needs first. */
export interface IngestedPolicy {
  policy: AdmxPolicy;
  /** The ADMXInstall URI of its file. */
  ingestion: string;
  fileId: string;
}

/** One problem with a config value; `path` is relative to the config key. */
export interface ValueProblem {
  code: PlanIssueCode;
  path: (string | number)[];
  message: string;
}

/** What a config key sends, or why it sends nothing. */
export type ConfigNodeValue =
  | { ok: true; data: string; format: string; ingestion?: string }
  | { ok: false; problems: ValueProblem[] };

/** The namespace of a policy ingested from an app's ADMX file: `{AppName}~Policy|Preference[~...]`. */
const INGESTED_AREA = /^\.\/(?:Device|User)\/Vendor\/MSFT\/Policy\/Config\/[^/~]+~(?:Policy|Preference)(?:~[^/]*)?\/[^/]+$/;
/** A character XML 1.0 cannot carry, in a value or a LocURI. */
export const INVALID_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const problem = (code: PlanIssueCode, message: string, path: (string | number)[] = []): ConfigNodeValue => ({
  ok: false,
  problems: [{ code, path, message }],
});

function isStateObject(value: ConfigValue): boolean {
  return typeof value === 'object' && value !== null && 'state' in value;
}

/**
 * What the config value at `locUri` (a normalised OMA-URI) sends: its `Data` (also its canonical
 * value) and `Meta/Format`, and for a policy of an ingested ADMX file the ingestion it needs first.
 *
 * - A key of a policy that an effective ADMX file defines (`ingested`): validated against the
 *   definition (`validateAdmxBackedValue`), sent in canonical form (`encodeAdmxBackedValue`), `chr`.
 * - Any other key in an ingested-app namespace (`{AppName}~Policy~...`): a problem, since the
 *   policy cannot exist on the device (`admx-policy-unknown`).
 * - `{ state, data }`, or a string that reads as a payload: a built-in ADMX-backed policy (Windows
 *   ships its ADMX), decoded and re-encoded canonically, `chr`.
 * - Anything else: a plain CSP value (`cspNodeValue`).
 *
 * Internal.
 */
export function configNodeValue(
  locUri: string,
  value: ConfigValue,
  ingested: ReadonlyMap<string, IngestedPolicy>,
): ConfigNodeValue {
  if (INVALID_XML_CHAR.test(locUri)) return problem('invalid-value', 'the OMA-URI holds a character XML cannot carry');
  const definition = ingested.get(locUri);
  if (definition !== undefined) {
    const input: unknown = typeof value === 'object' && value !== null && 'value' in value ? value.value : value;
    if (typeof input === 'number' || typeof input === 'boolean') {
      return problem(
        'invalid-payload',
        `policy "${definition.policy.name}" of ADMX file "${definition.fileId}" takes an ADMX-backed value, got the ${typeof input} ${String(input)}`,
      );
    }
    const result = validateAdmxBackedValue(input as AdmxBackedValue | string, definition.policy);
    if (result.value === undefined) {
      return {
        ok: false,
        problems: result.issues.map((found) => ({ code: found.code, path: found.path, message: `ADMX file "${definition.fileId}": ${found.message}` })),
      };
    }
    return { ok: true, data: encodeAdmxBackedValue(result.value, definition.policy), format: 'chr', ingestion: definition.ingestion };
  }
  if (INGESTED_AREA.test(locUri)) {
    return problem(
      'admx-policy-unknown',
      'the OMA-URI names a policy of an ingested ADMX file, but no effective ADMX file (admxConfigs with its content in options.admxFiles) defines it',
    );
  }
  if (isStateObject(value) || (typeof value === 'string' && looksLikeAdmxBackedPayload(value))) {
    try {
      const decoded = typeof value === 'string' ? decodeAdmxBackedValue(value) : (value as AdmxBackedValue);
      return { ok: true, data: encodeAdmxBackedValue(decoded), format: 'chr' };
    } catch (err) {
      if (!(err instanceof AdmxError)) throw err;
      return problem('invalid-payload', err.message);
    }
  }
  const plain = cspNodeValue(locUri, value);
  if (!plain.ok) return problem('invalid-value', plain.message);
  if (INVALID_XML_CHAR.test(plain.data)) return problem('invalid-value', 'the value holds a character XML cannot carry');
  return plain;
}

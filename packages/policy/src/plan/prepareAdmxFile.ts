import { AdmxError, admxInstallUri, admxPolicyUris, parseAdmx, type AdmxPolicy } from '@winmdm/admx';
import type { AdmxFile } from '../AdmxFileSchema.js';
import { fnv1a64 } from './fnv1a64.js';

/** An ADMX file of the catalog, read once: where it is ingested, its fingerprint, its policies by URI. */
export type PreparedAdmxFile =
  | { ok: true; installUri: string; digest: string; policies: ReadonlyMap<string, AdmxPolicy> }
  | { ok: false; installUri: string | undefined; digest: string; message: string };

// Parsing an ADMX file is the expensive part of planning (tens of ms for a large vendor file), so
// it happens once per catalog object. A second, small table keyed by the text itself catches
// catalogs rebuilt from storage for every check-in; its size is bounded so that memory does not
// grow with the number of revisions ever seen.
const byObject = new WeakMap<AdmxFile, PreparedAdmxFile>();
const byText = new Map<string, PreparedAdmxFile>();
const BY_TEXT_LIMIT = 64;

/**
 * Reads an ADMX file of the catalog for planning: its ADMXInstall URI (the file's catalog `id`
 * is the `{FileUid}`), the `fnv1a64:` digest of its content (the canonical value of the
 * ingestion node) and its policies keyed by Policy CSP URI. A file that cannot be read comes back
 * `ok: false` with the reason; nothing is thrown for bad data. Memoised; the catalog object is
 * treated as immutable. Internal to the package.
 */
export function prepareAdmxFile(file: AdmxFile): PreparedAdmxFile {
  const cached = byObject.get(file);
  if (cached !== undefined) return cached;
  const textKey = `${file.appName}\u0000${file.settingType}\u0000${file.id}\u0000${file.content}`;
  let prepared = byText.get(textKey);
  if (prepared === undefined) {
    prepared = prepare(file);
    if (byText.size >= BY_TEXT_LIMIT) byText.delete(byText.keys().next().value as string);
    byText.set(textKey, prepared);
  }
  byObject.set(file, prepared);
  return prepared;
}

function prepare(file: AdmxFile): PreparedAdmxFile {
  const digest = `fnv1a64:${fnv1a64(file.content)}`;
  let installUri: string | undefined;
  try {
    installUri = admxInstallUri(file.appName, file.settingType, file.id);
    const definition = parseAdmx(file.content);
    const policies = admxPolicyUris(definition, { appName: file.appName, settingType: file.settingType });
    return { ok: true, installUri, digest, policies };
  } catch (err) {
    if (!(err instanceof AdmxError)) throw err;
    return { ok: false, installUri, digest, message: err.message };
  }
}

/** Internal: percent-escaping of the names that go into LocURIs. */
import { AdmxUriError } from './errors.js';

/**
 * Percent-escapes one name for a LocURI: only the unreserved characters `A-Z a-z 0-9 - . _` stay
 * as they are; everything else, `/` and non-ASCII (as UTF-8) included, becomes `%XX`. `~` is
 * unreserved in RFC 3986 but is escaped too, because it is the separator of the
 * `{AppName}~{SettingType}~{Category}` node name: a `~` inside a name would shift its parts. A name
 * that is exactly `.` or `..` is escaped so it can never read as a relative path step.
 */
export function locUriSegment(name: string, what: string): string {
  if (typeof name !== 'string' || name === '') throw new AdmxUriError(`${what} must be a non-empty string`);
  let encoded: string;
  try {
    encoded = encodeURIComponent(name);
  } catch (cause) {
    throw new AdmxUriError(`${what} ${JSON.stringify(name)} holds an unpaired surrogate and cannot be percent-encoded`, {
      cause,
    });
  }
  encoded = encoded.replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return encoded === '.' || encoded === '..' ? encoded.replaceAll('.', '%2E') : encoded;
}

import { createHash, type X509Certificate } from 'node:crypto';

/** A certificate's thumbprints as Windows shows them: uppercase hex of the DER's hash. */
export interface Thumbprints {
  sha256: string;
  sha1: string;
}

/** Thumbprints of a certificate's DER encoding (what the device registry is keyed by). */
export function thumbprintsOf(der: Buffer | X509Certificate): Thumbprints {
  const raw = Buffer.isBuffer(der) ? der : der.raw;
  return {
    sha256: createHash('sha256').update(raw).digest('hex').toUpperCase(),
    sha1: createHash('sha1').update(raw).digest('hex').toUpperCase(),
  };
}

/** Accepts a thumbprint as users paste it (any case, with spaces or colons) in canonical form. */
export function normalizeThumbprint(value: string): string {
  return value.replace(/[\s:]/g, '').toUpperCase();
}

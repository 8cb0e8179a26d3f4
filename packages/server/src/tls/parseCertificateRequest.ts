import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { fromBER, Sequence } from 'asn1js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { ContentInfo, SignedData, id_signedData } from '@peculiar/asn1-cms';
import { CsrInvalidError } from '../ServerError.js';

/** What enrollment takes from a certificate request: the key, and how the request proved possession of it. */
export interface CertificateRequestKey {
  /** The requester's public key. */
  publicKey: KeyObject;
  /** `rsa` or `ec`. */
  keyType: string;
  /** RSA modulus length or EC field size, in bits. */
  keyBits: number;
  /** The OID the request was signed with (Windows: 1.3.14.3.2.29, SHA-1 with RSA). */
  signatureAlgorithm: string;
}

/** Signature algorithms a request may be signed with, and the digest each uses. */
const SIGNATURE_DIGESTS: Record<string, string> = {
  // OIW sha1WithRSASignature: what Windows' enrollment client uses.
  '1.3.14.3.2.29': 'sha1',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

/** The smallest RSA modulus accepted (what the XCEP policy announces). */
export const MIN_RSA_BITS = 2048;

function view(bytes: ArrayBuffer | Uint8Array): Buffer {
  return bytes instanceof Uint8Array ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.from(bytes);
}

/**
 * The bytes the request's signature covers, exactly as the requester encoded them (re-encoding a
 * parsed CertificationRequestInfo could change a non-DER detail and break a valid signature).
 */
function signedPart(der: Buffer): Buffer {
  const parsed = fromBER(der);
  const outer = parsed.result;
  if (parsed.offset === -1 || !(outer instanceof Sequence)) throw new CsrInvalidError('the certificate request is not a DER SEQUENCE');
  const first = outer.valueBlock.value[0];
  if (!first) throw new CsrInvalidError('the certificate request is empty');
  return view(first.valueBeforeDecodeView);
}

/**
 * Reads a PKCS#10 certificate request and verifies its self-signature with node:crypto. Lenient
 * where Windows is odd and strict where it matters: the subject is never looked at (Windows puts
 * `!` and a trailing NUL inside a PrintableString there), only the key is taken; the signature
 * must verify, and an RSA key must have at least {@link MIN_RSA_BITS} bits.
 *
 * @throws {CsrInvalidError} (`ERR_CSR_INVALID`) when the request cannot be parsed, its signature
 * algorithm is unknown, the signature does not verify, or the key is too small.
 *
 * @example
 * ```ts
 * const { publicKey, keyBits } = parseCertificateRequest(Buffer.from(base64Csr, 'base64'));
 * ```
 */
export function parseCertificateRequest(der: Buffer): CertificateRequestKey {
  let request: CertificationRequest;
  try {
    request = AsnConvert.parse(der, CertificationRequest);
  } catch (cause) {
    throw new CsrInvalidError(`the certificate request is not PKCS#10: ${(cause as Error).message}`, { cause });
  }
  const algorithm = request.signatureAlgorithm.algorithm;
  const digest = SIGNATURE_DIGESTS[algorithm];
  if (!digest) throw new CsrInvalidError(`unsupported signature algorithm ${algorithm} in the certificate request`);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: view(AsnConvert.serialize(request.certificationRequestInfo.subjectPKInfo)), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new CsrInvalidError(`the certificate request's public key cannot be read: ${(cause as Error).message}`, { cause });
  }
  const keyType = publicKey.asymmetricKeyType ?? 'unknown';
  const details = publicKey.asymmetricKeyDetails ?? {};
  let keyBits: number;
  if (keyType === 'rsa') {
    keyBits = details.modulusLength ?? 0;
    if (keyBits < MIN_RSA_BITS) throw new CsrInvalidError(`the RSA key has ${keyBits} bits; at least ${MIN_RSA_BITS} are required`);
  } else if (keyType === 'ec') {
    keyBits = CURVE_BITS[details.namedCurve ?? ''] ?? 0;
    if (keyBits === 0) throw new CsrInvalidError(`unsupported elliptic curve ${String(details.namedCurve)}`);
  } else {
    throw new CsrInvalidError(`unsupported key type ${keyType} in the certificate request`);
  }
  const isEcSignature = algorithm.startsWith('1.2.840.10045.');
  if (isEcSignature !== (keyType === 'ec')) throw new CsrInvalidError(`signature algorithm ${algorithm} does not match the ${keyType} key`);
  let valid: boolean;
  try {
    valid = verify(digest, signedPart(der), publicKey, view(request.signature));
  } catch (cause) {
    if (cause instanceof CsrInvalidError) throw cause;
    valid = false;
  }
  if (!valid) throw new CsrInvalidError('the certificate request signature does not verify');
  return { publicKey, keyType, keyBits, signatureAlgorithm: algorithm };
}

/**
 * The PKCS#10 request inside a PKCS#7 (CMS SignedData) renewal request, as Windows sends it for
 * a certificate renewal; a bare PKCS#10 is accepted as well. The CMS signature itself is not
 * what authenticates a renewal (the device's current certificate over mutual TLS does); the
 * inner request's self-signature still proves possession of the new key.
 *
 * @throws {CsrInvalidError} (`ERR_CSR_INVALID`) when neither shape parses.
 */
export function unwrapRenewalRequest(der: Buffer): Buffer {
  let info: ContentInfo;
  try {
    info = AsnConvert.parse(der, ContentInfo);
  } catch {
    return der;
  }
  if (info.contentType !== id_signedData) return der;
  let signed: SignedData;
  try {
    signed = AsnConvert.parse(info.content, SignedData);
  } catch (cause) {
    throw new CsrInvalidError(`the PKCS#7 renewal request is not SignedData: ${(cause as Error).message}`, { cause });
  }
  const content = signed.encapContentInfo.eContent;
  const inner = content?.single?.buffer ?? content?.any;
  if (!inner) throw new CsrInvalidError('the PKCS#7 renewal request carries no certificate request');
  return view(inner);
}

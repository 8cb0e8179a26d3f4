import { createHash, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import {
  bitString,
  bool,
  explicit,
  implicitPrimitive,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der.js';

/** What a certificate is for; decides its basicConstraints, keyUsage and extendedKeyUsage. */
export type CertificateRole = 'ca' | 'server' | 'client';

/** Input of {@link createCertificate}. */
export interface CertificateRequest {
  role: CertificateRole;
  /** The subject's common name (for devices: the device's `winId`). */
  commonName: string;
  /** The subject's public key. */
  publicKey: KeyObject;
  /** The issuer's private key (the subject's own key for a self-signed CA). */
  issuerKey: KeyObject;
  /** The issuing CA certificate; absent for a self-signed CA. */
  issuer?: X509Certificate;
  notBefore: Date;
  notAfter: Date;
  /** DNS names and IP addresses for a server certificate's subjectAltName. */
  altNames?: readonly string[];
}

const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const OID_SHA256_RSA = '1.2.840.113549.1.1.11';
const OID_CN = '2.5.4.3';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SAN = '2.5.29.17';
const OID_SKI = '2.5.29.14';
const OID_AKI = '2.5.29.35';
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

function name(commonName: string): Buffer {
  return sequence(set(sequence(oid(OID_CN), utf8String(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), bool(true), octetString(value)) : sequence(oid(id), octetString(value));
}

/** keyUsage bits: digitalSignature(0), keyEncipherment(2), keyCertSign(5), cRLSign(6). */
function keyUsage(role: CertificateRole): Buffer {
  if (role === 'ca') return bitStringWithUnused(0b0000_0110, 1); // keyCertSign | cRLSign
  return bitStringWithUnused(0b1010_0000, 5); // digitalSignature | keyEncipherment
}

function bitStringWithUnused(byte: number, unused: number): Buffer {
  return Buffer.concat([Buffer.from([0x03, 0x02, unused]), Buffer.from([byte])]);
}

function keyIdentifier(spki: Buffer): Buffer {
  return createHash('sha1').update(spki).digest();
}

function signatureAlgorithm(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'ec') return sequence(oid(OID_ECDSA_SHA256));
  if (key.asymmetricKeyType === 'rsa') return sequence(oid(OID_SHA256_RSA), Buffer.from([0x05, 0x00]));
  throw new Error(`unsupported issuer key type ${String(key.asymmetricKeyType)}`);
}

function altName(value: string): Buffer {
  const ip = isIP(value);
  if (ip === 4) return implicitPrimitive(7, Buffer.from(value.split('.').map(Number)));
  if (ip === 6) {
    const full = expandIpv6(value);
    return implicitPrimitive(7, Buffer.from(full.flatMap((h) => [h >> 8, h & 0xff])));
  }
  return implicitPrimitive(2, Buffer.from(value, 'ascii'));
}

function expandIpv6(value: string): number[] {
  const [head = '', tail] = value.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  return [...h, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...t].map((x) => parseInt(x, 16));
}

/**
 * Builds and signs an X.509 v3 certificate and returns it in PEM. Enough of RFC 5280 for a
 * private CA: a CA certificate, TLS server certificates with subjectAltName, and client
 * (device) certificates with the clientAuth extended key usage.
 *
 * @example
 * ```ts
 * const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
 * const pem = createCertificate({ role: 'ca', commonName: 'winmdm local CA', publicKey,
 *   issuerKey: privateKey, notBefore: now, notAfter: inTenYears });
 * ```
 */
export function createCertificate(request: CertificateRequest): string {
  const spki = request.publicKey.export({ type: 'spki', format: 'der' });
  const issuerSpki = request.issuer
    ? request.issuer.publicKey.export({ type: 'spki', format: 'der' })
    : spki;
  const subjectPublicKeyBits = publicKeyBits(spki);
  const issuerPublicKeyBits = publicKeyBits(issuerSpki);
  const issuerName = request.issuer ? name(commonNameOf(request.issuer)) : name(request.commonName);

  const extensions: Buffer[] = [
    extension(OID_BASIC_CONSTRAINTS, true, request.role === 'ca' ? sequence(bool(true)) : sequence()),
    extension(OID_KEY_USAGE, true, keyUsage(request.role)),
    extension(OID_SKI, false, octetString(keyIdentifier(subjectPublicKeyBits))),
    extension(OID_AKI, false, sequence(implicitPrimitive(0, keyIdentifier(issuerPublicKeyBits)))),
  ];
  if (request.role !== 'ca') {
    extensions.push(
      extension(OID_EXT_KEY_USAGE, false, sequence(oid(request.role === 'server' ? OID_SERVER_AUTH : OID_CLIENT_AUTH))),
    );
  }
  if (request.altNames && request.altNames.length > 0) {
    extensions.push(extension(OID_SAN, false, sequence(...request.altNames.map(altName))));
  }

  const sigAlg = signatureAlgorithm(request.issuerKey);
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f;
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    sigAlg,
    issuerName,
    sequence(time(request.notBefore), time(request.notAfter)),
    name(request.commonName),
    spki,
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, request.issuerKey);
  const der = sequence(tbs, sigAlg, bitString(signature));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** The subjectPublicKey BIT STRING's content (what key identifiers hash, per RFC 5280 §4.2.1.2). */
function publicKeyBits(spki: Buffer): Buffer {
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE, subjectPublicKey BIT STRING }
  let offset = headerLength(spki, 0);
  offset += totalLength(spki, offset); // skip algorithm
  const bitsHeader = headerLength(spki, offset);
  const bitsLength = totalLength(spki, offset) - bitsHeader;
  return spki.subarray(offset + bitsHeader + 1, offset + bitsHeader + bitsLength);
}

function headerLength(der: Buffer, offset: number): number {
  const first = der[offset + 1] as number;
  return first < 0x80 ? 2 : 2 + (first & 0x7f);
}

function totalLength(der: Buffer, offset: number): number {
  const first = der[offset + 1] as number;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + (der[offset + 2 + i] as number);
  return 2 + n + length;
}

function commonNameOf(cert: X509Certificate): string {
  const match = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject);
  if (!match?.[1]) throw new Error('issuer certificate has no common name');
  return match[1];
}

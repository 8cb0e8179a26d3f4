import { createHash, randomBytes, sign, type KeyObject, type X509Certificate } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
} from '@peculiar/asn1-x509';
import { isIP } from 'node:net';

/** What a certificate is for; decides its basicConstraints, keyUsage and extendedKeyUsage. */
export type CertificateRole = 'ca' | 'server' | 'client';

/** Input of {@link createCertificate}. */
export interface CertificateRequest {
  role: CertificateRole;
  /** The subject's common name (for devices: the device's `winId`). */
  commonName: string;
  /** The subject's public key (any key type node:crypto reads: the CA's EC key, a device's RSA key from its CSR). */
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

const OID_CN = '2.5.4.3';
const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const OID_SHA256_RSA = '1.2.840.113549.1.1.11';

function name(commonName: string): Name {
  return new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: OID_CN, value: new AttributeValue({ utf8String: commonName }) })])]);
}

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** RFC 5280 §4.2.1.2 method 1: the SHA-1 of the subjectPublicKey BIT STRING's content. */
function keyIdentifier(spki: SubjectPublicKeyInfo): ArrayBuffer {
  const digest = createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest();
  return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength);
}

function signatureAlgorithm(key: KeyObject): AlgorithmIdentifier {
  if (key.asymmetricKeyType === 'ec') return new AlgorithmIdentifier({ algorithm: OID_ECDSA_SHA256 });
  // RFC 4055: the RSA algorithms carry an explicit NULL parameter.
  if (key.asymmetricKeyType === 'rsa') return new AlgorithmIdentifier({ algorithm: OID_SHA256_RSA, parameters: null });
  throw new Error(`unsupported issuer key type ${String(key.asymmetricKeyType)}`);
}

function altName(value: string): GeneralName {
  return isIP(value) !== 0 ? new GeneralName({ iPAddress: value }) : new GeneralName({ dNSName: value });
}

function spkiOf(key: KeyObject): SubjectPublicKeyInfo {
  return AsnConvert.parse(key.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
}

/**
 * Builds and signs an X.509 v3 certificate with the `@peculiar/asn1-x509` schema and returns it in
 * PEM: a private CA's certificate, TLS server certificates with subjectAltName, and client
 * (device) certificates with the clientAuth extended key usage. Signed with SHA-256 (ECDSA for the
 * local CA's P-256 key, RSA PKCS#1 v1.5 for an RSA issuer).
 *
 * @example
 * ```ts
 * const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
 * const pem = createCertificate({ role: 'ca', commonName: 'winmdm local CA', publicKey,
 *   issuerKey: privateKey, notBefore: now, notAfter: inTenYears });
 * ```
 */
export function createCertificate(request: CertificateRequest): string {
  const subjectKey = spkiOf(request.publicKey);
  const issuerCert = request.issuer ? AsnConvert.parse(request.issuer.raw, Certificate) : undefined;
  const issuerKey = issuerCert ? issuerCert.tbsCertificate.subjectPublicKeyInfo : subjectKey;

  const usage =
    request.role === 'ca'
      ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign
      : KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment;
  const extensions = [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: request.role === 'ca' })),
    extension(id_ce_keyUsage, true, new KeyUsage(usage)),
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdentifier(subjectKey))),
    extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyIdentifier(issuerKey)) })),
  ];
  if (request.role !== 'ca') {
    extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([request.role === 'server' ? id_kp_serverAuth : id_kp_clientAuth])));
  }
  if (request.altNames && request.altNames.length > 0) {
    extensions.push(extension(id_ce_subjectAltName, false, new SubjectAlternativeName(request.altNames.map(altName))));
  }

  const sigAlg = signatureAlgorithm(request.issuerKey);
  const serial = randomBytes(16);
  // Positive, with a non-zero first byte: a minimal DER INTEGER of exactly 16 bytes.
  serial[0] = ((serial[0] as number) & 0x7f) | 0x40;
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serial.buffer.slice(serial.byteOffset, serial.byteOffset + serial.byteLength),
    signature: sigAlg,
    issuer: issuerCert ? issuerCert.tbsCertificate.subject : name(request.commonName),
    validity: new Validity({ notBefore: request.notBefore, notAfter: request.notAfter }),
    subject: name(request.commonName),
    subjectPublicKeyInfo: subjectKey,
    extensions: new Extensions(extensions),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = sign('sha256', tbsDer, request.issuerKey);
  const der = Buffer.from(
    AsnConvert.serialize(
      new Certificate({
        tbsCertificate: tbs,
        signatureAlgorithm: sigAlg,
        signatureValue: signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength),
      }),
    ),
  );
  return toPem(der, 'CERTIFICATE');
}

/** DER in PEM armour, 64 characters a line. */
export function toPem(der: Buffer, label: string): string {
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

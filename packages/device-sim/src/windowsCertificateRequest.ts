import { sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Attributes, CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import {
  AlgorithmIdentifier,
  Attribute,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Extension,
  Extensions,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import {
  CertificateChoices,
  CertificateSet,
  CMSVersion,
  ContentInfo,
  DigestAlgorithmIdentifier,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignatureAlgorithmIdentifier,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  id_data,
  id_signedData,
} from '@peculiar/asn1-cms';

/** Options of {@link windowsCertificateRequest}. */
export interface WindowsCertificateRequestOptions {
  /** The device's RSA key pair. */
  publicKey: KeyObject;
  privateKey: KeyObject;
  /** The DeviceID the enrollment client puts into the subject and its private extension. */
  deviceId: string;
  /** The enrollment's GUID before the `!` of the subject (default a fixed one, as any GUID will do). */
  requestGuid?: string;
  /** Default `sha1` with the OIW OID 1.3.14.3.2.29, exactly as Windows signs; `sha256` for a modern request. */
  digest?: 'sha1' | 'sha256';
}

const OID_CN = '2.5.4.3';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
/** The private extension in which Windows repeats the DeviceID (NUL-terminated). */
const OID_MS_DEVICE_ID = '1.3.6.1.4.1.311.66.1.0';
const OID_SHA1_RSA_OIW = '1.3.14.3.2.29';
const OID_SHA256_RSA = '1.2.840.113549.1.1.11';
const OID_RSA = '1.2.840.113549.1.1.1';
const OID_SHA1 = '1.3.14.3.2.26';

function bytes(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

/**
 * A PKCS#10 request built the way Windows' enrollment client builds it (compare the one in
 * `fixtures/enrollment/win10-realdevice-enrollment-transcript.txt`): the subject's CN is a
 * PrintableString `<GUID>!<DeviceID>` with a trailing NUL (characters PrintableString does not
 * allow), an extension request with the DeviceID in Microsoft's private extension, and a SHA-1
 * RSA signature under the OIW OID 1.3.14.3.2.29. Returns the DER.
 *
 * @example
 * ```ts
 * const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
 * const der = windowsCertificateRequest({ publicKey, privateKey, deviceId: 'B0C0FFEE...' });
 * ```
 */
export function windowsCertificateRequest(options: WindowsCertificateRequestOptions): Buffer {
  const guid = options.requestGuid ?? 'BA405A5D-B1C7-4737-81C8-8F379A';
  const subject = new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type: OID_CN, value: new AttributeValue({ printableString: `${guid}!${options.deviceId}\u0000` }) }),
    ]),
  ]);
  const deviceIdExtension = new Extension({
    extnID: OID_MS_DEVICE_ID,
    critical: false,
    extnValue: new OctetString(bytes(Buffer.from(`${options.deviceId}\u0000`, 'latin1'))),
  });
  const info = new CertificationRequestInfo({
    version: 0,
    subject,
    subjectPKInfo: AsnConvert.parse(options.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
    attributes: new Attributes([new Attribute({ type: OID_EXTENSION_REQUEST, values: [AsnConvert.serialize(new Extensions([deviceIdExtension]))] })]),
  });
  const digest = options.digest ?? 'sha1';
  const signature = sign(digest, Buffer.from(AsnConvert.serialize(info)), options.privateKey);
  const request = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: digest === 'sha1' ? OID_SHA1_RSA_OIW : OID_SHA256_RSA, parameters: null }),
    signature: bytes(signature),
  });
  return Buffer.from(AsnConvert.serialize(request));
}

/**
 * A renewal request as Windows sends it for a ROBO renewal: the PKCS#10 `csr` inside a PKCS#7
 * (CMS SignedData), signed with the key of the certificate being renewed, which travels along.
 */
export function windowsRenewalRequest(csr: Buffer, current: { certDer: Buffer; privateKey: KeyObject }): Buffer {
  const cert = AsnConvert.parse(current.certDer, Certificate);
  const sha1 = new DigestAlgorithmIdentifier({ algorithm: OID_SHA1, parameters: null });
  const signed = new SignedData({
    version: CMSVersion.v1,
    digestAlgorithms: new DigestAlgorithmIdentifiers([sha1]),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data, eContent: new EncapsulatedContent({ single: new OctetString(bytes(csr)) }) }),
    certificates: new CertificateSet([new CertificateChoices({ certificate: cert })]),
    signerInfos: new SignerInfos([
      new SignerInfo({
        version: CMSVersion.v1,
        sid: new SignerIdentifier({
          issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: cert.tbsCertificate.issuer, serialNumber: cert.tbsCertificate.serialNumber }),
        }),
        digestAlgorithm: sha1,
        signatureAlgorithm: new SignatureAlgorithmIdentifier({ algorithm: OID_RSA, parameters: null }),
        signature: new OctetString(bytes(sign('sha1', csr, current.privateKey))),
      }),
    ]),
  });
  return Buffer.from(AsnConvert.serialize(new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signed) })));
}

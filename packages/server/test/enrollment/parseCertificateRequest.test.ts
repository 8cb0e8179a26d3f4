import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseCertificateRequest, unwrapRenewalRequest } from '../../src/tls/parseCertificateRequest.js';
import { LocalCa } from '../../src/tls/LocalCa.js';
import { CsrInvalidError } from '../../src/ServerError.js';
import { transcriptCsr } from './transcript.js';

const dir = mkdtempSync(join(tmpdir(), 'winmdm-csr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function spki(key: ReturnType<typeof createPublicKey>): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

function expectCsrError(der: Buffer, message: RegExp): void {
  let error: unknown;
  try {
    parseCertificateRequest(der);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CsrInvalidError);
  expect((error as CsrInvalidError).code).toBe('ERR_CSR_INVALID');
  expect((error as CsrInvalidError).message).toMatch(message);
}

describe("Windows' real certificate request (the transcript's)", () => {
  test('parses despite the NUL and "!" in its PrintableString subject, and its SHA-1 signature verifies', () => {
    const der = transcriptCsr();
    // The oddity this test is about really is in the fixture.
    expect(der.includes(Buffer.from('8F379A!1E08C6E95D8BB843B1278FF45BC60CC6\u0000', 'latin1'))).toBe(true);
    const parsed = parseCertificateRequest(der);
    expect(parsed.signatureAlgorithm).toBe('1.3.14.3.2.29');
    expect(parsed.keyType).toBe('rsa');
    expect(parsed.keyBits).toBe(2048);
  });

  test('the local CA signs a client certificate for exactly that key, subject CN the DeviceID, clientAuth, SHA-256, backdated minutes', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const ca = LocalCa.open(dir, { now: () => now });
    const { publicKey } = parseCertificateRequest(transcriptCsr());
    const issued = ca.signClientCertificate({ commonName: '1E08C6E95D8BB843B1278FF45BC60CC6', publicKey, validityDays: 365 });
    const cert = new X509Certificate(issued.certPem);
    expect(spki(cert.publicKey)).toBe(spki(publicKey));
    expect(cert.subject).toBe('CN=1E08C6E95D8BB843B1278FF45BC60CC6');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca.certificate)).toBe(true);
    expect(cert.verify(ca.certificate.publicKey)).toBe(true);
    const backdate = now.getTime() - new Date(cert.validFrom).getTime();
    expect(backdate).toBeGreaterThan(0);
    expect(backdate).toBeLessThanOrEqual(15 * 60_000);
    expect(new Date(cert.validTo).getTime() - now.getTime()).toBe(365 * 86_400_000);
  });

  test('a tampered signature is refused', () => {
    const der = Buffer.from(transcriptCsr());
    der[der.length - 5] = (der[der.length - 5] as number) ^ 0x01;
    expectCsrError(der, /signature does not verify/);
  });

  test('a tampered key (the signed part changed) is refused', () => {
    const der = Buffer.from(transcriptCsr());
    der[200] = (der[200] as number) ^ 0x01;
    expect(() => parseCertificateRequest(der)).toThrow(CsrInvalidError);
  });

  test('garbage, an empty request and a truncated one are refused with ERR_CSR_INVALID', () => {
    expectCsrError(Buffer.from('not a certificate request'), /not PKCS#10/);
    expectCsrError(Buffer.alloc(0), /not PKCS#10/);
    expectCsrError(transcriptCsr().subarray(0, 300), /not PKCS#10/);
  });

  test('a bare PKCS#10 passes through the PKCS#7 unwrapping unchanged', () => {
    const der = transcriptCsr();
    expect(unwrapRenewalRequest(der).equals(der)).toBe(true);
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { expect, test } from 'vitest';
import { windowsCertificateRequest, windowsRenewalRequest } from '@winmdm/device-sim';
import { LocalCa, parseCertificateRequest, unwrapRenewalRequest } from '@winmdm/server';
import { transcriptCsr } from '../../packages/server/test/enrollment/transcript.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });

test("the simulator's request has the shape of Windows' (same subject oddity, same extension, same OIW SHA-1 OID) and parses", () => {
  const der = windowsCertificateRequest({ ...rsa2048, deviceId: '1E08C6E95D8BB843B1278FF45BC60CC6' });
  // Everything before the key and after it matches the real device's request byte for byte.
  const real = transcriptCsr();
  expect(der.subarray(0, 88).equals(real.subarray(0, 88))).toBe(true);
  expect(der.subarray(382, 461).equals(real.subarray(382, 461))).toBe(true);
  const parsed = parseCertificateRequest(der);
  expect(parsed.signatureAlgorithm).toBe('1.3.14.3.2.29');
  expect(parsed.keyBits).toBe(2048);
});

test('a 1024-bit key is refused, whatever signs it', () => {
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  for (const digest of ['sha1', 'sha256'] as const) {
    expect(() => parseCertificateRequest(windowsCertificateRequest({ ...small, deviceId: 'D', digest }))).toThrow(
      'the RSA key has 1024 bits; at least 2048 are required',
    );
  }
});

test('a request signed by another key than the one it carries is refused', () => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = windowsCertificateRequest({ publicKey: rsa2048.publicKey, privateKey: other.privateKey, deviceId: 'D' });
  expect(() => parseCertificateRequest(der)).toThrow('the certificate request signature does not verify');
});

test('the PKCS#7 renewal request gives back the PKCS#10 inside it', () => {
  const ca = LocalCa.open(mkdtempSync(join(tmpdir(), 'winmdm-csr-ca-')));
  const current = ca.signClientCertificate({ commonName: 'D', publicKey: rsa2048.publicKey, validityDays: 30 });
  const next = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const csr = windowsCertificateRequest({ ...next, deviceId: 'D', digest: 'sha256' });
  const pkcs7 = windowsRenewalRequest(csr, {
    certDer: Buffer.from(current.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'),
    privateKey: rsa2048.privateKey,
  });
  expect(unwrapRenewalRequest(pkcs7).equals(csr)).toBe(true);
  expect(parseCertificateRequest(unwrapRenewalRequest(pkcs7)).keyBits).toBe(2048);
});

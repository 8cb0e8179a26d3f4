import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeviceSimulator, enrollWindowsDevice, renewalDue, renewWindowsCertificate, type EnrolledWindowsDevice } from '@winmdm/device-sim';
import { LocalCa } from '@winmdm/server';
import { startFleet, type Fleet } from '../support/fleet.js';

/**
 * ROBO certificate renewal: a device enrolled 340 days ago (its one-year certificate is inside
 * the 42-day renewal period) renews over mutual TLS with no password, checks in with the new
 * certificate, and from then on the old one is refused. Until the new one is used, both work.
 */
const DAY = 86_400_000;
let fleet: Fleet;
let caDir: string;
let clock = Date.now() - 340 * DAY;
let caPem: string;

beforeAll(async () => {
  caDir = mkdtempSync(join(tmpdir(), 'winmdm-renewal-ca-'));
  // The CA signs with this clock: the enrollment happens "340 days ago".
  const ca = LocalCa.open(join(caDir, 'tls'), { now: () => new Date(clock) });
  fleet = await startFleet({ ca, tls: { dataDir: caDir } });
  caPem = ca.certPem;
});
afterAll(async () => {
  await fleet.close();
  rmSync(caDir, { recursive: true, force: true });
});

async function token(): Promise<string> {
  const answer = await fleet.api('POST', '/mdm/windows/enrollment-tokens', {});
  return (answer.json['data'] as { token: string }).token;
}

/** One check-in with a given certificate; resolves to the HTTP status of its first answer. */
async function checkIn(device: EnrolledWindowsDevice, cert: { certPem: string; keyPem: string }): Promise<number> {
  const sim = new DeviceSimulator({ url: device.mdmUrl, winId: device.deviceId, tls: { cert: cert.certPem, key: cert.keyPem, ca: caPem } });
  try {
    await sim.runSession();
    return 200;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  } finally {
    await sim.close();
  }
}

async function enrollLongAgo(): Promise<EnrolledWindowsDevice> {
  clock = Date.now() - 340 * DAY;
  const device = await enrollWindowsDevice({ url: fleet.server.origin, email: 'bob@contoso.example', token: await token(), ca: caPem });
  clock = Date.now();
  return device;
}

describe('a device past its renewal date', () => {
  let device: EnrolledWindowsDevice;
  let renewed: { certPem: string; keyPem: string };

  beforeAll(async () => {
    device = await enrollLongAgo();
  });

  test('is due for renewal, and still checks in with its current certificate', async () => {
    expect(renewalDue(device.certPem, device.renewPeriodDays)).toBe(true);
    expect(Date.parse(new X509Certificate(device.certPem).validTo) - Date.now()).toBeLessThan(26 * DAY);
    expect(await checkIn(device, device)).toBe(200);
  });

  test('renews over mutual TLS (no password) and gets a certificate for its new key, valid from now', async () => {
    renewed = await renewWindowsCertificate({ enrollmentUrl: device.enrollmentUrl, certPem: device.certPem, keyPem: device.keyPem, deviceId: device.deviceId, ca: caPem });
    const cert = new X509Certificate(renewed.certPem);
    expect(cert.subject).toBe(`CN=${device.deviceId}`);
    expect(cert.fingerprint256).not.toBe(new X509Certificate(device.certPem).fingerprint256);
    expect(Math.abs(Date.parse(cert.validFrom) - Date.now())).toBeLessThan(30 * 60_000);
    expect(renewalDue(renewed.certPem, device.renewPeriodDays)).toBe(false);
    expect(await fleet.server.metrics.registry.metrics()).toMatch(/winmdm_enrollments_total\{outcome="renewed"\} 1/);
  });

  test('until the new certificate is used, the old one still works', async () => {
    expect(await checkIn(device, device)).toBe(200);
  });

  test('the new certificate checks in; from then on the old one is refused', async () => {
    expect(await checkIn(device, renewed)).toBe(200);
    expect(await checkIn(device, device)).toBe(401);
    expect(await checkIn(device, renewed)).toBe(200);
  });
});

describe('renewal refusals', () => {
  test('without a client certificate: a:InvalidSecurity', async () => {
    const device = await enrollLongAgo();
    await expect(
      renewWindowsCertificate({ enrollmentUrl: device.enrollmentUrl, certPem: device.certPem, keyPem: device.keyPem, deviceId: device.deviceId, ca: caPem }).then(() =>
        // The same request without TLS client authentication.
        fetchRenewWithoutCertificate(device),
      ),
    ).rejects.toThrow("Renew failed (HTTP 400, a:InvalidSecurity): a renewal is authenticated by the device's current certificate over mutual TLS, and none was presented");
  });

  test('a second renewal before the first certificate is used revokes that unused certificate', async () => {
    const device = await enrollLongAgo();
    const first = await renewWindowsCertificate({ enrollmentUrl: device.enrollmentUrl, certPem: device.certPem, keyPem: device.keyPem, deviceId: device.deviceId, ca: caPem });
    const second = await renewWindowsCertificate({ enrollmentUrl: device.enrollmentUrl, certPem: device.certPem, keyPem: device.keyPem, deviceId: device.deviceId, ca: caPem });
    expect(await checkIn(device, first)).toBe(401);
    expect(await checkIn(device, second)).toBe(200);
    expect(await checkIn(device, device)).toBe(401);
  });

  test('an expired certificate renews nothing: the device must enroll again', async () => {
    // Enrolled 400 days ago: its one-year certificate expired 35 days ago.
    clock = Date.now() - 400 * DAY;
    const device = await enrollWindowsDevice({ url: fleet.server.origin, email: 'bob@contoso.example', token: await token(), ca: caPem });
    clock = Date.now();
    await expect(
      renewWindowsCertificate({ enrollmentUrl: device.enrollmentUrl, certPem: device.certPem, keyPem: device.keyPem, deviceId: device.deviceId, ca: caPem }),
    ).rejects.toThrow(
      "Renew failed (HTTP 400, a:InvalidSecurity): a renewal is authenticated by the device's current certificate over mutual TLS, and the one presented is not valid (client certificate refused: CERT_HAS_EXPIRED)",
    );
    expect(await checkIn(device, device)).toBe(401);
  });

  test('a certificate that re-enrollment revoked renews nothing', async () => {
    const device = await enrollLongAgo();
    await enrollWindowsDevice({ url: fleet.server.origin, email: 'bob@contoso.example', token: await token(), ca: caPem, deviceId: device.deviceId });
    await expect(
      renewWindowsCertificate({ enrollmentUrl: device.enrollmentUrl, certPem: device.certPem, keyPem: device.keyPem, deviceId: device.deviceId, ca: caPem }),
    ).rejects.toThrow('Renew failed (HTTP 400, a:InvalidSecurity): the client certificate belongs to no enrolled device');
  });

  test('after unenrollment the certificate renews nothing', async () => {
    const device = await enrollLongAgo();
    const sim = new DeviceSimulator({ url: device.mdmUrl, winId: device.deviceId, tls: { cert: device.certPem, key: device.keyPem, ca: caPem } });
    try {
      await sim.runSession({ unenroll: true });
    } finally {
      await sim.close();
    }
    await expect(
      renewWindowsCertificate({ enrollmentUrl: device.enrollmentUrl, certPem: device.certPem, keyPem: device.keyPem, deviceId: device.deviceId, ca: caPem }),
    ).rejects.toThrow('Renew failed (HTTP 400, a:InvalidSecurity): the client certificate belongs to no enrolled device');
  });
});

/** A Renew request from a client that presents no certificate (another device's key in the PKCS#7 changes nothing). */
async function fetchRenewWithoutCertificate(device: EnrolledWindowsDevice): Promise<never> {
  const { SimulatorEnrollmentError } = await import('@winmdm/device-sim');
  const { Agent, request } = await import('undici');
  const { XMLParser } = await import('fast-xml-parser');
  const dispatcher = new Agent({ connect: { ca: caPem } });
  try {
    const body = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep</a:Action><a:MessageID>urn:uuid:d0000000-0000-4000-8000-000000000001</a:MessageID></s:Header><s:Body><wst:RequestSecurityToken xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wst:TokenType>http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken</wst:TokenType><wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew</wst:RequestType><wsse:BinarySecurityToken xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" ValueType="http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS7">AAAA</wsse:BinarySecurityToken></wst:RequestSecurityToken></s:Body></s:Envelope>`;
    const response = await request(device.enrollmentUrl, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body, dispatcher });
    const tree = new XMLParser({ removeNSPrefix: true }).parse(await response.body.text()) as { Envelope: { Body: { Fault: { Code: { Subcode: { Value: string } }; Reason: { Text: string } } } } };
    const fault = tree.Envelope.Body.Fault;
    throw new SimulatorEnrollmentError(`Renew failed (HTTP ${response.statusCode}, ${fault.Code.Subcode.Value}): ${fault.Reason.Text}`, { status: response.statusCode });
  } finally {
    await dispatcher.close();
  }
}

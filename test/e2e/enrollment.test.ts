import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeviceSimulator, enrollWindowsDevice, SimulatorEnrollmentError, type EnrolledWindowsDevice } from '@winmdm/device-sim';
import { commandsOf, startFleet, type Fleet } from '../support/fleet.js';

/**
 * Enrollment from zero ([MS-MDE2]): an enrollment token from the management API, the simulated
 * device enrolls the Windows way (discovery, XCEP, WSTEP), and checks in over mutual TLS with
 * the certificate it was issued.
 */
let fleet: Fleet;
let ca: string;

beforeAll(async () => {
  fleet = await startFleet();
  ca = fleet.server.ca!.certPem;
});
afterAll(async () => {
  await fleet.close();
});

async function token(body: Record<string, unknown> = {}, apiToken?: string): Promise<string> {
  const answer = await fleet.api('POST', '/mdm/windows/enrollment-tokens', body, apiToken);
  expect(answer.status).toBe(201);
  return (answer.json['data'] as { token: string }).token;
}

function simulator(device: EnrolledWindowsDevice): DeviceSimulator {
  return new DeviceSimulator({ url: device.mdmUrl, winId: device.deviceId, tls: { cert: device.certPem, key: device.keyPem, ca } });
}

async function deviceDoc(winId: string, apiToken?: string): Promise<Record<string, unknown>> {
  const list = await fleet.api('GET', `/mdm/windows/devices?winId=${winId}`, undefined, apiToken);
  const [doc] = list.json['data'] as Record<string, unknown>[];
  if (!doc) throw new Error(`no device ${winId}`);
  return doc;
}

describe('enrollment tokens', () => {
  test('POST /mdm/windows/enrollment-tokens answers the token once; the store keeps only its hash', async () => {
    const answer = await fleet.api('POST', '/mdm/windows/enrollment-tokens', { email: 'alice@contoso.example', maxUses: 1, expiresInHours: 2 });
    expect(answer.status).toBe(201);
    const data = answer.json['data'] as { id: string; token: string; expiresAt: string };
    expect(data.token).toMatch(/^wmet_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(data.expiresAt) - Date.now()).toBeGreaterThan(3_500_000);
    const { createHash } = await import('node:crypto');
    const stored = await fleet.store.transaction((tx) => tx.getEnrollmentToken(createHash('sha256').update(data.token).digest('hex')));
    expect(stored).toMatchObject({ id: data.id, organizationId: 'org-contoso', email: 'alice@contoso.example', maxUses: 1, uses: 0 });
    expect(JSON.stringify(stored)).not.toContain(data.token);
  });

  test('needs mdm.windows.enrollment.create, and validates the body', async () => {
    const denied = await fleet.api('POST', '/mdm/windows/enrollment-tokens', {}, 'demo-contoso-readonly-token');
    expect(denied.status).toBe(403);
    expect(denied.json['error']).toMatchObject({ code: 4003, message: 'Permission required: mdm.windows.enrollment.create' });
    const invalid = await fleet.api('POST', '/mdm/windows/enrollment-tokens', { maxUses: 0, extra: true });
    expect(invalid.status).toBe(400);
    expect((invalid.json['error'] as { fields: { path: string[] }[] }).fields.map((f) => f.path.join('.')).sort()).toEqual(['', 'maxUses']);
  });
});

describe('a device enrolls from zero and checks in with the certificate it was issued', () => {
  let device: EnrolledWindowsDevice;

  beforeAll(async () => {
    device = await enrollWindowsDevice({
      url: fleet.server.origin,
      email: 'Alice@Contoso.example',
      token: await token({ email: 'alice@contoso.example' }),
      ca,
      deviceName: 'DESKTOP-ALICE',
    });
  });

  test('the provisioning document: root, client certificate, DM account, poll schedule, ROBO renewal', () => {
    const doc = device.provisioningDocument;
    const caSha1 = new X509Certificate(ca).fingerprint.replaceAll(':', '');
    const certSha1 = new X509Certificate(device.certPem).fingerprint.replaceAll(':', '');
    expect(doc).toContain(`<characteristic type="Root"><characteristic type="System"><characteristic type="${caSha1}">`);
    expect(doc).toContain(`<characteristic type="My"><characteristic type="User"><characteristic type="${certSha1}">`);
    expect(doc).toContain('<characteristic type="PrivateKeyContainer"/>');
    expect(doc).toContain('<parm name="APPID" value="w7"/>');
    expect(doc).toContain(`<parm name="ADDR" value="${fleet.server.mdmUrl}"/>`);
    expect(doc).toContain('<parm name="DEFAULTENCODING" value="application/vnd.syncml.dm+xml"/>');
    for (const p of ['CONNRETRYFREQ', 'INITIALBACKOFFTIME', 'MAXBACKOFFTIME']) expect(doc).toContain(`<parm name="${p}" value=`);
    expect(doc).toContain('<characteristic type="DMClient"><characteristic type="Provider"><characteristic type="winmdm"><characteristic type="Poll">');
    expect(doc).toContain('<parm name="IntervalForFirstSetOfRetries" value="3" datatype="integer"/><parm name="NumberOfFirstRetries" value="5" datatype="integer"/>');
    expect(doc).toContain('<parm name="IntervalForSecondSetOfRetries" value="15" datatype="integer"/><parm name="NumberOfSecondRetries" value="8" datatype="integer"/>');
    expect(doc).toContain('<parm name="IntervalForRemainingScheduledRetries" value="480" datatype="integer"/>');
    expect(doc).toContain('<characteristic type="WSTEP"><characteristic type="Renew">');
    expect(doc).toContain('<parm name="ROBOSupport" value="true" datatype="boolean"/>');
    expect(doc).toContain('<parm name="RenewPeriod" value="42" datatype="integer"/>');
    expect(device.enrollmentUrl).toBe(`${fleet.server.origin}/EnrollmentServer/Enrollment.svc`);
  });

  test('the issued certificate: CN = DeviceID, clientAuth, signed by the CA with SHA-256, backdated minutes, valid a year', () => {
    const cert = new X509Certificate(device.certPem);
    expect(cert.subject).toBe(`CN=${device.deviceId}`);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.verify(new X509Certificate(ca).publicKey)).toBe(true);
    expect(cert.toLegacyObject().pubkey?.length).toBe(294); // the device's RSA 2048 key
    const from = Date.parse(cert.validFrom);
    expect(Date.now() - from).toBeLessThan(30 * 60_000);
    expect(Math.round((Date.parse(cert.validTo) - from) / 86_400_000)).toBe(365);
  });

  test('the device record: winId, summary, ACTIVE, enrolledDate, the enrollment in stateHistory, createdAt/updatedAt, the user', async () => {
    const doc = await deviceDoc(device.deviceId);
    expect(doc).toMatchObject({
      organizationId: 'org-contoso',
      winId: device.deviceId,
      displayName: 'DESKTOP-ALICE',
      state: 'ACTIVE',
      summary: { name: 'DESKTOP-ALICE', osVersion: '10.0.22631.4890' },
      mdmUser: { id: 'user-alice', email: 'alice@contoso.example' },
    });
    expect(doc['enrolledDate']).toEqual(doc['createdAt']);
    expect(doc['updatedAt']).toEqual(doc['createdAt']);
    expect(doc['stateHistory']).toEqual([{ state: 'ACTIVE', date: doc['enrolledDate'], config: { reason: 'enrollment' } }]);
    const enrollment = doc['enrollment'] as { context: Record<string, string[]>; enrollmentType: string; email: string; username: string };
    expect(enrollment).toMatchObject({ enrollmentType: 'Full', email: 'alice@contoso.example', username: 'alice@contoso.example' });
    expect(enrollment.context['MAC']).toEqual(['00-0C-29-51-60-9D', '1A-77-20-52-41-53']);
    expect(enrollment.context['DeviceID']).toEqual([device.deviceId]);
  });

  test('checks in over mutual TLS with that certificate, and gets its policy after a PATCH', async () => {
    const sim = simulator(device);
    try {
      const first = await sim.runSession();
      expect(first.received.length).toBeGreaterThan(0);
      const doc = await deviceDoc(device.deviceId);
      expect(await fleet.api('PATCH', `/mdm/windows/devices/${String(doc['id'])}`, { winPolicyId: 'pol-contoso-baseline' })).toMatchObject({ status: 200 });
      const session = await sim.runSession();
      expect(commandsOf(session).length).toBeGreaterThan(0);
      expect(commandsOf(await sim.runSession())).toEqual([]);
    } finally {
      await sim.close();
    }
  });

  test('the enrollment is counted in winmdm_enrollments_total', async () => {
    const text = await fleet.server.metrics.registry.metrics();
    expect(text).toMatch(/winmdm_enrollments_total\{outcome="enrolled"\} [1-9]/);
  });
});

describe('programmatic enrollment and tokens', () => {
  test('a username is a claim: with a token for no one in particular it names no user', async () => {
    const device = await enrollWindowsDevice({ url: fleet.server.origin, email: 'bob@contoso.example', token: await token(), ca });
    const doc = await deviceDoc(device.deviceId);
    expect(doc['mdmUser']).toBeUndefined();
    expect(doc['enrollment']).toMatchObject({ username: 'bob@contoso.example' });
    expect(doc['enrollment']).not.toHaveProperty('email');
  });

  test('the same token as a DeviceEnrollmentUserToken (RegisterDeviceWithManagement) enrolls too', async () => {
    const device = await enrollWindowsDevice({ url: fleet.server.origin, email: 'bob@contoso.example', token: await token(), ca, credentials: 'user-token' });
    const sim = simulator(device);
    try {
      expect((await sim.runSession()).received.length).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
  });

  test("a token for one user cannot enroll programmatically: the request names no user to check it against", async () => {
    const forAlice = await token({ email: 'alice@contoso.example' });
    await expect(enrollWindowsDevice({ url: fleet.server.origin, email: 'alice@contoso.example', token: forAlice, ca, credentials: 'user-token' })).rejects.toThrow(
      'GetPolicies failed (HTTP 400, a:InvalidSecurity): the enrollment token is for one user, and the request names none (programmatic enrollment needs a token issued without an email)',
    );
  });

  test('a single-use token survives GetPolicies and enrolls once; the second device is refused and not created', async () => {
    const once = await token({ maxUses: 1 });
    await enrollWindowsDevice({ url: fleet.server.origin, email: 'bob@contoso.example', token: once, ca });
    const error = await enrollWindowsDevice({ url: fleet.server.origin, email: 'bob@contoso.example', token: once, ca, deviceId: 'USEDUPTOKENDEVICE' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulatorEnrollmentError);
    expect(error).toMatchObject({ code: 'ERR_SIM_ENROLLMENT', status: 400, subcode: 'a:InvalidSecurity' });
    expect((error as Error).message).toBe('GetPolicies failed (HTTP 400, a:InvalidSecurity): the enrollment token is used up');
    expect(await fleet.store.transaction((tx) => tx.getDeviceByWinId('USEDUPTOKENDEVICE'))).toBeUndefined();
  });

  test('a token for another email, an expired one and an unknown one are refused', async () => {
    const forAlice = await token({ email: 'alice@contoso.example' });
    await expect(enrollWindowsDevice({ url: fleet.server.origin, email: 'bob@contoso.example', token: forAlice, ca })).rejects.toThrow(
      'GetPolicies failed (HTTP 400, a:InvalidSecurity): the enrollment token is for another user',
    );
    const expired = await fleet.store.transaction(async (tx) => {
      const { createEnrollmentToken } = await import('../../packages/server/src/enrollment/enrollmentTokens.js');
      return createEnrollmentToken(tx, 'org-contoso', { expiresInHours: 1 }, new Date(Date.now() - 2 * 3_600_000));
    });
    await expect(enrollWindowsDevice({ url: fleet.server.origin, email: 'bob@contoso.example', token: expired.token, ca })).rejects.toThrow(
      'the enrollment token has expired',
    );
    await expect(enrollWindowsDevice({ url: fleet.server.origin, email: 'bob@contoso.example', token: 'wmet_nonsense', ca })).rejects.toThrow(
      'unknown enrollment token',
    );
  });
});

describe('re-enrollment', () => {
  test('the same HWDevID again: the same device record, the old certificate refused at once, what it had applied forgotten', async () => {
    const options = { url: fleet.server.origin, email: 'bob@contoso.example', ca, deviceId: 'REENROLL0000000000000000000000AA', hwDevId: 'HW-REENROLL' };
    const first = await enrollWindowsDevice({ ...options, token: await token() });
    const sim = simulator(first);
    try {
      const id = String((await deviceDoc(first.deviceId))['id']);
      await fleet.api('PATCH', `/mdm/windows/devices/${id}`, { winPolicyId: 'pol-contoso-baseline' });
      await sim.runSession();
      expect(Object.keys((await deviceDoc(first.deviceId))['configStatus'] as object).length).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
    const second = await enrollWindowsDevice({ ...options, token: await token() });
    const doc = await deviceDoc(second.deviceId);
    expect(doc['winPolicyId']).toBe('pol-contoso-baseline');
    expect(doc['configStatus']).toEqual({});
    expect((doc['stateHistory'] as unknown[]).length).toBe(2);

    const old = simulator(first);
    const fresh = simulator(second);
    try {
      await expect(old.runSession()).rejects.toMatchObject({ code: 'ERR_SIM_HTTP', status: 401 });
      // Everything the policy sets arrives again: the re-enrolled device has none of it.
      expect(commandsOf(await fresh.runSession()).length).toBeGreaterThan(0);
    } finally {
      await old.close();
      await fresh.close();
    }
    expect(await fleet.server.metrics.registry.metrics()).toMatch(/winmdm_enrollments_total\{outcome="re_enrolled"\} 1/);
  });

  test('an unenrolled device that enrolls again is ACTIVE again', async () => {
    const options = { url: fleet.server.origin, email: 'bob@contoso.example', ca, deviceId: 'COMEBACK0000000000000000000000AA' };
    const first = await enrollWindowsDevice({ ...options, token: await token() });
    const sim = simulator(first);
    try {
      await sim.runSession({ unenroll: true });
    } finally {
      await sim.close();
    }
    expect((await deviceDoc(first.deviceId))['state']).toBe('UNENROLLED');
    const again = await enrollWindowsDevice({ ...options, token: await token() });
    const doc = await deviceDoc(again.deviceId);
    expect(doc['state']).toBe('ACTIVE');
    expect((doc['stateHistory'] as { state: string }[]).map((h) => h.state)).toEqual(['ACTIVE', 'UNENROLLED', 'ACTIVE']);
  });
});

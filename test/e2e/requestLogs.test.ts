import { afterAll, beforeAll, expect, test } from 'vitest';
import { DeviceSimulator, enrollWindowsDevice, renewWindowsCertificate } from '@winmdm/device-sim';
import { capturedLog } from '../support/capturedLog.js';
import { startFleet, windowsFirstMessage, type Fleet } from '../support/fleet.js';

/** Every line of a request carries its id; every device line says which device, session and message. */
const { logger, raw, lines } = capturedLog('debug');
let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({ logger });
});
afterAll(async () => {
  await fleet.close();
});

test('request ids on every line of a request; device, session and message ids on every device line', async () => {
  const device = await fleet.device('DEMO-LAPTOP-003');
  const summary = await device.runSession();
  expect(summary.ended).toBe('server-done');
  const sent = await device.sendRaw(windowsFirstMessage('DEMO-LAPTOP-003', '77'), { headers: { 'x-request-id': 'proxy-req-42' } });
  expect(sent.headers['x-request-id']).toBe('proxy-req-42');
  expect((await fleet.api('GET', '/mdm/windows/devices/nope')).status).toBe(404);

  const ofRequests = lines.filter((l) => l['msg'] === 'request received');
  expect(ofRequests.length).toBe(summary.messages + 2);
  // Every line logged while a request was handled carries that request's id.
  const ids = new Set(ofRequests.map((l) => l['reqId']));
  const deviceLines = lines.filter((l) => l['component'] === 'device-endpoint');
  expect(deviceLines.length).toBeGreaterThan(summary.messages);
  for (const line of deviceLines) {
    expect(ids.has(line['reqId']), JSON.stringify(line)).toBe(true);
    expect(line).toMatchObject({ winId: 'DEMO-LAPTOP-003', sessionId: expect.any(String), msgId: expect.any(Number) });
  }
  const answered = lines.filter((l) => l['msg'] === 'answered a device message');
  expect(answered.length).toBe(summary.messages + 1);
  for (const line of answered) expect(line['deviceId']).toBe('dev-contoso-003');
  expect(lines.find((l) => l['msg'] === 'device session')).toMatchObject({ deviceId: 'dev-contoso-003', winId: 'DEMO-LAPTOP-003', sessionId: summary.sessionId });
  // A proxy's request id is kept; the API's error line has its request id too.
  expect(lines.filter((l) => l['reqId'] === 'proxy-req-42').map((l) => l['msg'])).toEqual(
    expect.arrayContaining(['request received', 'answered a device message', 'request answered']),
  );
  const notFound = lines.find((l) => l['msg'] === 'Entity not found');
  expect(ids.has(notFound?.['reqId'])).toBe(true);
  // No line names a field twice (a binding and the same field again).
  for (const line of raw) {
    for (const key of ['"reqId"', '"deviceId"', '"winId"', '"sessionId"', '"msgId"']) expect(line.split(key).length, line).toBeLessThanOrEqual(2);
  }
});

test('a device message refused before its device is known names the device once, with the request id', async () => {
  // A device without its certificate.
  const anonymous = new DeviceSimulator({ url: fleet.server.mdmUrl, winId: 'DEMO-LAPTOP-001', tls: { ca: fleet.server.ca!.certPem } });
  try {
    await expect(anonymous.runSession()).rejects.toMatchObject({ status: 401 });
  } finally {
    await anonymous.close();
  }
  const refused = lines.find((l) => l['msg'] === 'refused a device message');
  expect(refused).toMatchObject({ winId: 'DEMO-LAPTOP-001', reason: 'no client certificate' });
  expect(requestIds('/ManagementServer/MDM.svc')).toContain(refused?.['reqId']);
  for (const text of raw) expect(text.split('"winId"').length, text).toBeLessThanOrEqual(2);
});

test('an enrollment and a renewal are logged with the id of the request that made them', async () => {
  const ca = fleet.server.ca!.certPem;
  const token = ((await fleet.api('POST', '/mdm/windows/enrollment-tokens', {})).json['data'] as { token: string }).token;
  const enrolled = await enrollWindowsDevice({ url: fleet.server.origin, email: 'bob@contoso.example', token, ca });
  await renewWindowsCertificate({ enrollmentUrl: enrolled.enrollmentUrl, certPem: enrolled.certPem, keyPem: enrolled.keyPem, deviceId: enrolled.deviceId, ca });
  const enrolledLine = lines.find((l) => l['msg'] === 'enrolled a device');
  const renewedLine = lines.find((l) => l['msg'] === 'renewed a device certificate');
  expect(enrolledLine).toMatchObject({ component: 'enrollment', winId: enrolled.deviceId, reqId: expect.any(String) });
  expect(renewedLine).toMatchObject({ component: 'enrollment', reqId: expect.any(String) });
  const ids = requestIds('/EnrollmentServer/Enrollment.svc');
  expect(ids).toContain(enrolledLine?.['reqId']);
  expect(ids).toContain(renewedLine?.['reqId']);
  for (const text of raw) expect(text.split('"component"').length, text).toBeLessThanOrEqual(2);
});

function requestIds(path: string): unknown[] {
  return lines.filter((l) => l['msg'] === 'request received' && l['path'] === path).map((l) => l['reqId']);
}

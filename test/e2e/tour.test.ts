import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DeviceSimulator } from '@winmdm/device-sim';
import { freePort, runCli, startServe, type ServeProcess } from '../support/cli.js';
import { commandsOf, P } from '../support/fleet.js';

/**
 * The README's five-minute tour, end to end: `winmdm serve --demo` from a clean directory (what
 * `npm start` runs), a PATCH with the demo token, a simulated device, and back.
 */
let dir: string;
let serve: ServeProcess;
let origin: string;
let token: string;
let ca: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'winmdm-tour-'));
  const port = await freePort();
  serve = await startServe(['--demo', '--data-dir', join(dir, 'data'), '--port', String(port)], { cwd: dir });
  // The demo import and the certificates come after the "serving" lines: wait for the last line.
  for (let i = 0; i < 100 && !serve.output().includes('run a simulated Windows device'); i++) await new Promise((r) => setTimeout(r, 100));
  origin = `https://127.0.0.1:${port}`;
  token = /demo API token: (\S+)/.exec(serve.output())?.[1] ?? '';
  ca = readFileSync(join(dir, 'data', 'tls', 'ca.crt'), 'utf8');
});
afterAll(async () => {
  await serve.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function patch(id: string, body: unknown): Promise<number> {
  const dispatcher = new Agent({ connect: { ca } });
  try {
    const response = await fetch(`${origin}/mdm/windows/devices/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      dispatcher,
    });
    await response.body?.cancel();
    return response.status;
  } finally {
    await dispatcher.close();
  }
}

test('serve --demo prints where it listens, a demo token and the command that runs a simulated device', () => {
  const out = serve.output();
  expect(out).toContain(`device endpoint: ${origin}/ManagementServer/MDM.svc`);
  expect(out).toContain(`management API:  ${origin}/mdm/windows/devices/{id}`);
  expect(token).toBe('demo-contoso-admin-token');
  expect(out).toMatch(/npx winmdm simulate --url \S+ --device DEMO-LAPTOP-001 --cert \S+ --key \S+ --ca \S+/);
});

test('the printed simulate command runs a full session', async () => {
  const command = /npx winmdm simulate (.+)/.exec(serve.output())?.[1] ?? '';
  const result = await runCli(['simulate', ...command.trim().split(/\s+/)], { cwd: dir });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/session 1/i);
  expect(result.stdout).toContain('Replace');
});

test('a PATCHed assignment reaches the device, and PATCHing it away removes exactly what it added', async () => {
  const device = new DeviceSimulator({
    url: `${origin}/ManagementServer/MDM.svc`,
    winId: 'DEMO-LAPTOP-003',
    tls: {
      cert: readFileSync(join(dir, 'data', 'devices', 'DEMO-LAPTOP-003.crt')),
      key: readFileSync(join(dir, 'data', 'devices', 'DEMO-LAPTOP-003.key')),
      ca,
    },
  });
  try {
    await device.runSession();
    expect(commandsOf(await device.runSession())).toEqual([]);

    expect(await patch('dev-contoso-003', { winPolicyAssignments: [{ winPolicyId: 'pol-contoso-strict-passwords', priority: 1 }] })).toBe(200);
    const added = await device.runSession();
    expect(commandsOf(added).map((c) => `${c.kind} ${c.locUri}`).sort()).toEqual([
      `Replace ${P}DeviceLock/DevicePasswordExpiration`,
      `Replace ${P}DeviceLock/MinDevicePasswordLength`,
    ]);
    expect(device.model.get(`${P}DeviceLock/MinDevicePasswordLength`)).toBe('12');

    expect(await patch('dev-contoso-003', { winPolicyAssignments: [] })).toBe(200);
    const removed = await device.runSession();
    expect(commandsOf(removed).map((c) => `${c.kind} ${c.locUri}`).sort()).toEqual([
      `Delete ${P}DeviceLock/DevicePasswordExpiration`,
      `Replace ${P}DeviceLock/MinDevicePasswordLength`,
    ]);
    expect(device.model.get(`${P}DeviceLock/MinDevicePasswordLength`)).toBe('8');
    expect(device.model.has(`${P}DeviceLock/DevicePasswordExpiration`)).toBe(false);
  } finally {
    await device.close();
  }
});

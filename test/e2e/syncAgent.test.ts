import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DeviceSimulator } from '@winmdm/device-sim';
import { freePort, runCli, startServe, type ServeProcess } from '../support/cli.js';
import { commandsOf, P } from '../support/fleet.js';

/**
 * Two winmdm processes: one owns the fleet and serves the API (the upstream, over HTTPS with its
 * local CA), the other is a device endpoint in sync agent mode in front of it (its own SQLite and
 * its own CA). A simulated device checks in with the agent.
 */
let dir: string;
let upstream: ServeProcess;
let agent: ServeProcess;
let upstreamOrigin: string;
let agentUrl: string;
let upstreamCa: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'winmdm-agent-'));
  const [upPort, agentPort] = [await freePort(), await freePort()];
  upstream = await startServe(['--demo', '--data-dir', join(dir, 'upstream'), '--port', String(upPort)], { cwd: dir });
  for (let i = 0; i < 100 && !upstream.output().includes('demo API token'); i++) await new Promise((r) => setTimeout(r, 100));
  upstreamOrigin = `https://127.0.0.1:${upPort}`;
  upstreamCa = readFileSync(join(dir, 'upstream', 'tls', 'ca.crt'), 'utf8');
  const agentFlags = [
    '--data-dir', join(dir, 'agent'),
    '--upstream', upstreamOrigin,
    '--upstream-token', 'demo-contoso-sync-agent-token',
    '--upstream-ca', join(dir, 'upstream', 'tls', 'ca.crt'),
  ];
  const env = { WINMDM_UPSTREAM_CACHE_TTL_MS: '0', WINMDM_OUTBOX_INTERVAL_MS: '100' };
  // The device's certificate comes from the agent's own CA; its local shadow row from upstream.
  const issued = await runCli(['device-cert', 'issue', '--device', 'DEMO-LAPTOP-003', '--out', join(dir, 'certs'), ...agentFlags], { cwd: dir, env });
  expect(issued.stderr).toBe('');
  expect(issued.code).toBe(0);
  agent = await startServe([...agentFlags, '--port', String(agentPort)], { cwd: dir, env });
  agentUrl = `https://127.0.0.1:${agentPort}/ManagementServer/MDM.svc`;
});
afterAll(async () => {
  await agent?.stop();
  await upstream?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function upstreamApi(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const dispatcher = new Agent({ connect: { ca: upstreamCa } });
  try {
    const response = await fetch(`${upstreamOrigin}${path}`, {
      method,
      headers: { authorization: 'Bearer demo-contoso-admin-token', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      dispatcher,
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  } finally {
    await dispatcher.close();
  }
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a PATCH on the upstream reaches the device through the agent, and the device\'s report arrives upstream', async () => {
  // The serving lines are separate writes: wait for this one instead of racing it.
  expect(await eventually(async () => (agent.output().includes('sync agent mode') ? true : undefined), 'the sync agent mode line')).toBe(true);
  const device = new DeviceSimulator({
    url: agentUrl,
    winId: 'DEMO-LAPTOP-003',
    tls: {
      cert: readFileSync(join(dir, 'certs', 'DEMO-LAPTOP-003.crt')),
      key: readFileSync(join(dir, 'certs', 'DEMO-LAPTOP-003.key')),
      ca: readFileSync(join(dir, 'agent', 'tls', 'ca.crt')),
    },
  });
  try {
    const first = await device.runSession();
    expect(device.model.get(`${P}DeviceLock/MinDevicePasswordLength`)).toBe('8');
    expect(commandsOf(first).some((c) => c.kind === 'Replace')).toBe(true);

    // The report of that session reaches the upstream through the outbox.
    const reported = await eventually(async () => {
      const doc = (await upstreamApi('GET', '/mdm/windows/devices/dev-contoso-003'))['data'] as Record<string, unknown>;
      const status = doc['configStatus'] as Record<string, { status: string }>;
      return status[`${P}DeviceLock/MinDevicePasswordLength`]?.status === 'applied' ? doc : undefined;
    }, 'the report upstream');
    expect(reported['lastStatusReportTime']).toEqual(expect.any(String));
    expect(reported['summary']).toMatchObject({ os: 'Windows', manufacturer: expect.any(String) });
    expect(reported['configDates']).toHaveProperty('securityPolicy');

    await upstreamApi('PATCH', '/mdm/windows/devices/dev-contoso-003', {
      winPolicyAssignments: [{ winPolicyId: 'pol-contoso-strict-passwords', priority: 1 }],
    });
    const diff = await device.runSession();
    expect(commandsOf(diff).map((c) => `${c.kind} ${c.locUri}`).sort()).toEqual([
      `Replace ${P}DeviceLock/DevicePasswordExpiration`,
      `Replace ${P}DeviceLock/MinDevicePasswordLength`,
    ]);
    expect(device.model.get(`${P}DeviceLock/MinDevicePasswordLength`)).toBe('12');
    await eventually(async () => {
      const doc = (await upstreamApi('GET', '/mdm/windows/devices/dev-contoso-003'))['data'] as Record<string, unknown>;
      const status = doc['configStatus'] as Record<string, { value: string; status: string }>;
      const node = status[`${P}DeviceLock/MinDevicePasswordLength`];
      return node?.value === '12' && node.status === 'applied' ? true : undefined;
    }, 'the second report upstream');
  } finally {
    await device.close();
  }
});

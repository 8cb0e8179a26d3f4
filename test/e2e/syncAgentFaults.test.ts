import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { DeviceSimulator } from '@winmdm/device-sim';
import {
  CircuitBreaker,
  Metrics,
  OutboxWorker,
  SqliteStore,
  UpstreamClient,
  UpstreamPolicySource,
  startWinmdmServer,
  type Store,
  type WinmdmServer,
} from '@winmdm/server';
import { commandsOf, demoBundle, P } from '../support/fleet.js';
import { metric, parseMetrics } from '../support/metrics.js';

/**
 * The sync agent against a misbehaving upstream: a real loopback server whose behaviour each test
 * sets (timeouts, resets, 500s, nonsense, unknown device, refused token, a reports endpoint that
 * is down for a while).
 */
type Mode = 'ok' | 'slow' | 'reset' | '500' | 'not-json' | 'bad-schema' | 'unknown' | 'no-token' | 'missing-policy';

const WIN_ID = 'DEMO-LAPTOP-003';
const bundle = demoBundle();
const baseline = bundle.policies.find((p) => p.id === 'pol-contoso-baseline')!;
const deviceDoc = {
  ...bundle.devices.find((d) => d.winId === WIN_ID)!,
  winPolicy: baseline,
  winPolicyAssignments: [],
  winPolicyAssignmentsEnforced: [],
};

let mode: Mode = 'ok';
let reportsDown = false;
const reports = new Map<string, number>();
let upstreamRequests = 0;
let upstream: Server;
let upstreamUrl: string;

const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _e, done) {
      for (const l of String(chunk).trim().split('\n')) lines.push(JSON.parse(l) as (typeof lines)[number]);
      done();
    },
  }),
);

let store: Store;
let client: UpstreamClient;
let source: UpstreamPolicySource;
let outbox: OutboxWorker;
let agent: WinmdmServer;
let device: DeviceSimulator;
const metrics = new Metrics({ defaultMetrics: false });
const sample = async (name: string, labels: Record<string, string> = {}): Promise<number> => metric(parseMetrics(await metrics.text()), name, labels);

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    upstreamRequests++;
    const url = new URL(req.url ?? '/', 'http://x');
    let raw = '';
    req.on('data', (d) => (raw += String(d)));
    req.on('end', () => {
      if (req.method === 'POST' && url.pathname.endsWith('/reports')) {
        if (reportsDown) return send(res, 503, { status: false, error: { code: 503, message: 'maintenance' } });
        const report = JSON.parse(raw) as { reportId: string };
        reports.set(report.reportId, (reports.get(report.reportId) ?? 0) + 1);
        return send(res, 200, { status: true, data: { applied: true } });
      }
      if (url.pathname === '/mdm/windows/devices') {
        switch (mode) {
          case 'slow':
            return void setTimeout(() => send(res, 200, { status: true, data: [deviceDoc] }), 2_000);
          case 'reset':
            return void req.socket.destroy();
          case '500':
            return send(res, 500, { status: false, error: { code: 500, message: 'boom' } });
          case 'not-json':
            return send(res, 200, '<html>proxy error</html>');
          case 'bad-schema':
            return send(res, 200, { status: true, data: [{ ...deviceDoc, tags: 'sales' }] });
          case 'unknown':
            return send(res, 404, { status: false, error: { code: 3001, message: 'Entity not found' } });
          case 'no-token':
            return send(res, 401, { status: false, error: { code: 4002, message: 'No auth token' } });
          case 'missing-policy':
            // The base policy is not embedded: the resolution is incomplete.
            return send(res, 200, { status: true, data: [{ ...deviceDoc, winPolicy: undefined }] });
          default:
            return send(res, 200, { status: true, data: [deviceDoc] });
        }
      }
      send(res, 404, { status: false, error: { code: 3001, message: 'Entity not found' } });
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  store = SqliteStore.open(':memory:');
  client = new UpstreamClient({
    url: upstreamUrl,
    token: 'agent-token',
    cacheTtlMs: 0,
    requestTimeoutMs: 300,
    attempts: 2,
    backoffMs: 10,
    // A short cool-down, so that the tests see the breaker close again within their time.
    breaker: new CircuitBreaker({ threshold: 5, cooldownMs: 200 }),
    metrics,
  });
  source = new UpstreamPolicySource(client, store, logger, metrics);
  outbox = new OutboxWorker({ store, client, logger, intervalMs: 50, backoffMs: 50, maxBackoffMs: 100, metrics });
  agent = await startWinmdmServer({ store, logger, port: 0, tls: false, devAuth: true, source, api: false, metrics });
  device = new DeviceSimulator({ url: agent.mdmUrl, winId: WIN_ID });
  // Converge the device once while the upstream is healthy.
  mode = 'ok';
  await device.runSession();
});
afterAll(async () => {
  await device.close();
  await outbox.stop();
  await agent.close();
  await client.close();
  await store.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});
beforeEach(() => {
  mode = 'ok';
  reportsDown = false;
  lines.length = 0;
});

describe('upstream failures', () => {
  test('the healthy upstream delivered the baseline', () => {
    expect(device.model.get(`${P}DeviceLock/MinDevicePasswordLength`)).toBe('8');
  });

  const kinds = { slow: 'timeout', reset: 'connect', '500': 'http_5xx', 'not-json': 'not_json', 'bad-schema': 'schema' } as const;
  for (const failing of ['slow', 'reset', '500', 'not-json', 'bad-schema'] as const) {
    test(`${failing}: the device gets a valid answer with no new commands, the reason is logged and counted`, async () => {
      // A change upstream that the agent cannot see while the upstream fails.
      mode = failing;
      const before = source.unavailableCheckins;
      const errorsBefore = await sample('winmdm_upstream_errors_total', { kind: kinds[failing] });
      const session = await device.runSession();
      expect(session.ended).toBe('server-done');
      expect(commandsOf(session)).toEqual([]);
      expect(source.unavailableCheckins).toBe(before + 1);
      expect(await sample('winmdm_upstream_errors_total', { kind: kinds[failing] })).toBe(errorsBefore + 1);
      expect(await sample('winmdm_upstream_breaker_state', { state: client.breakerState })).toBe(1);
      expect(lines.some((l) => l.level === 40 && l.msg.includes('upstream unavailable'))).toBe(true);
      expect(device.model.get(`${P}DeviceLock/MinDevicePasswordLength`)).toBe('8');
    });
  }

  test('an incomplete document never strips the device: no Delete', async () => {
    mode = 'missing-policy';
    const session = await device.runSession();
    expect(commandsOf(session).filter((c) => c.kind === 'Delete')).toEqual([]);
    expect(device.model.get(`${P}Security/RequireDeviceEncryption`)).toBe('1');
  });

  test('3001 for the device: refused like an unknown device', async () => {
    mode = 'unknown';
    await expect(device.runSession()).rejects.toMatchObject({ code: 'ERR_SIM_HTTP', status: 401 });
  });

  test('4002 from upstream: a clear log line naming the configuration problem', async () => {
    mode = 'no-token';
    const session = await device.runSession();
    expect(commandsOf(session)).toEqual([]);
    expect(lines.some((l) => l.level === 50 && l.msg.includes('--upstream-token'))).toBe(true);
  });

  test('an unchanged device costs one small request at most, none within the cache TTL', async () => {
    const cached = new UpstreamClient({ url: upstreamUrl, token: 't', cacheTtlMs: 60_000 });
    try {
      const count = upstreamRequests;
      await cached.get(`mdm/windows/devices?winId=${WIN_ID}`);
      await cached.get(`mdm/windows/devices?winId=${WIN_ID}`);
      await cached.get(`mdm/windows/devices?winId=${WIN_ID}`);
      expect(upstreamRequests - count).toBe(1);
    } finally {
      await cached.close();
    }
  });

  test('the circuit breaker opens after repeated failures and closes when the upstream heals', async () => {
    const breakerClient = new UpstreamClient({
      url: upstreamUrl,
      token: 't',
      cacheTtlMs: 0,
      attempts: 1,
      breaker: new CircuitBreaker({ threshold: 5, cooldownMs: 150 }),
    });
    try {
      mode = '500';
      for (let i = 0; i < 5; i++) await expect(breakerClient.get(`mdm/windows/devices?winId=${WIN_ID}`)).rejects.toMatchObject({ code: 'ERR_UPSTREAM' });
      expect(breakerClient.breakerState).toBe('open');
      const count = upstreamRequests;
      await expect(breakerClient.get(`mdm/windows/devices?winId=${WIN_ID}`)).rejects.toThrow('circuit open');
      expect(upstreamRequests).toBe(count);
      // After the cool-down one trial request goes out; the healed upstream closes the breaker.
      mode = 'ok';
      await new Promise((r) => setTimeout(r, 200));
      expect(breakerClient.breakerState).toBe('half-open');
      await expect(breakerClient.get(`mdm/windows/devices?winId=${WIN_ID}`)).resolves.toEqual([expect.objectContaining({ winId: WIN_ID })]);
      expect(breakerClient.breakerState).toBe('closed');
    } finally {
      await breakerClient.close();
    }
  });
});

describe('reports', () => {
  test('a reports endpoint that is down for a while: every report arrives once it is back, exactly once each', async () => {
    reportsDown = true;
    outbox.start();
    await device.runSession();
    await device.runSession();
    await new Promise((r) => setTimeout(r, 300));
    const queued = await store.transaction((tx) => tx.countOutbox());
    expect(queued).toBeGreaterThanOrEqual(2);
    expect(await sample('winmdm_outbox_depth')).toBe(queued);
    expect(await sample('winmdm_upstream_errors_total', { kind: 'http_5xx' })).toBeGreaterThan(0);
    reports.clear();
    reportsDown = false;
    for (let i = 0; i < 100 && (await store.transaction((tx) => tx.countOutbox())) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await store.transaction((tx) => tx.countOutbox())).toBe(0);
    expect(await sample('winmdm_outbox_depth')).toBe(0);
    expect(reports.size).toBe(queued);
    expect([...reports.values()].every((n) => n === 1)).toBe(true);
  });
});

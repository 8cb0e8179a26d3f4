/**
 * What routing costs the management API, to decide between the hand-written matcher it had
 * (a prefix check, then a regular expression per route) and a maintained router (find-my-way,
 * fastify's). Two figures, paired and alternating in one process:
 *
 * - the lookup alone, over the request mix of a fleet (device messages, device reads and
 *   PATCHes, reports, policy reads, an unknown path): hand-written against find-my-way, with
 *   today's 8 routes and with the 16 the enrollment, delivery and console work will bring;
 * - a whole `GET /mdm/windows/devices/{id}` on the real server (SQLite in memory, keep-alive),
 *   to show the lookup's share of a request.
 */
import FindMyWay from 'find-my-way';
import { pino } from 'pino';
import { Agent } from 'undici';
import { importBundle, SqliteStore, startWinmdmServer } from '@winmdm/server';
import { readFileSync } from 'node:fs';
import { median, pairedNsPerOp, type BenchModule, type BenchResult } from './harness.js';

interface Spec {
  method: string;
  template: string;
}

const TODAY: Spec[] = [
  { method: 'POST', template: '/ManagementServer/MDM.svc' },
  { method: 'GET', template: '/health' },
  { method: 'GET', template: '/mdm/windows/devices' },
  { method: 'GET', template: '/mdm/windows/devices/{id}' },
  { method: 'PATCH', template: '/mdm/windows/devices/{id}' },
  { method: 'POST', template: '/mdm/windows/devices/{id}/reports' },
  { method: 'GET', template: '/mdm/windows/policies/{id}' },
  { method: 'PUT', template: '/mdm/windows/policies/{id}' },
  { method: 'GET', template: '/mdm/windows/admx-files/{id}' },
  { method: 'GET', template: '/mdm/windows/applications/{id}' },
];

/** Roughly what the other open issues add (enrollment, delivery status, console, operations). */
const GROWN: Spec[] = [
  ...TODAY,
  { method: 'POST', template: '/EnrollmentServer/Discovery.svc' },
  { method: 'POST', template: '/EnrollmentServer/Policy.svc' },
  { method: 'POST', template: '/EnrollmentServer/Enrollment.svc' },
  { method: 'POST', template: '/mdm/windows/enrollment-tokens' },
  { method: 'GET', template: '/mdm/windows/policies/{id}/status' },
  { method: 'POST', template: '/mdm/windows/policies/{id}/resend' },
  { method: 'POST', template: '/mdm/windows/devices/{id}/refresh' },
  { method: 'GET', template: '/healthz' },
  { method: 'GET', template: '/readyz' },
  { method: 'GET', template: '/metrics' },
  { method: 'GET', template: '/openapi.json' },
];

/** The request mix: mostly device messages, then API reads and writes, and one miss. */
const MIX: [string, string][] = [
  ['POST', '/ManagementServer/MDM.svc'],
  ['POST', '/ManagementServer/MDM.svc'],
  ['POST', '/ManagementServer/MDM.svc'],
  ['POST', '/ManagementServer/MDM.svc'],
  ['GET', '/mdm/windows/devices/dev-contoso-001'],
  ['PATCH', '/mdm/windows/devices/dev-contoso-003'],
  ['POST', '/mdm/windows/devices/dev-contoso-003/reports'],
  ['GET', '/mdm/windows/policies/pol-contoso-baseline'],
  ['GET', '/mdm/windows/devices'],
  ['GET', '/nope/at/all'],
];

/** The matcher the management API had: a prefix, then every route's regular expression. */
function handWritten(specs: readonly Spec[]): (method: string, path: string) => unknown {
  const exact = new Map(specs.filter((s) => !s.template.startsWith('/mdm/windows/')).map((s) => [`${s.method} ${s.template}`, s]));
  const prefix = '/mdm/windows/';
  const routes = specs
    .filter((s) => s.template.startsWith(prefix))
    .map((s) => ({
      method: s.method,
      pattern: new RegExp(`^${s.template.slice(prefix.length).replace(/\{[^}]+\}/g, '([^/]+)')}$`),
    }));
  return (method, path) => {
    const fixed = exact.get(`${method} ${path}`);
    if (fixed) return fixed;
    if (!path.startsWith(prefix)) return null;
    const rest = path.slice(prefix.length);
    const matching = routes.filter((r) => r.pattern.test(rest));
    const route = matching.find((r) => r.method === method);
    if (!route) return null;
    const m = route.pattern.exec(rest) as RegExpExecArray;
    return m.slice(1).map((p) => decodeURIComponent(p));
  };
}

function findMyWay(specs: readonly Spec[]): (method: string, path: string) => unknown {
  const router = FindMyWay({ maxParamLength: 512 });
  for (const s of specs) router.on(s.method as 'GET', s.template.replace(/\{([^}]+)\}/g, ':$1'), () => undefined, s);
  return (method, path) => router.find(method as 'GET', path);
}

function lookupFigures(label: string, specs: readonly Spec[], quick: boolean): BenchResult {
  const a = handWritten(specs);
  const b = findMyWay(specs);
  let i = 0;
  const run = (f: (m: string, p: string) => unknown) => () => {
    const [m, p] = MIX[i++ % MIX.length] as [string, string];
    return f(m, p);
  };
  const samples = pairedNsPerOp(run(b), run(a), { samples: quick ? 10 : 40, batch: 20_000 });
  const ours = median(samples.a);
  const base = median(samples.b);
  return {
    name: `router: lookup, ${label} (find-my-way vs hand-written)`,
    unit: 'ns/op',
    median: ours,
    n: samples.a.length,
    baseline: base,
    ratio: ours / base,
  };
}

async function requestFigure(quick: boolean, lookupNs: number): Promise<BenchResult> {
  const store = SqliteStore.open(':memory:');
  await store.migrate();
  await importBundle(store, JSON.parse(readFileSync(new URL('../fixtures/demo/bundle.json', import.meta.url), 'utf8')) as unknown);
  const server = await startWinmdmServer({ store, logger: pino({ level: 'silent' }), port: 0, tls: false });
  const agent = new Agent({ connections: 1, pipelining: 1 });
  const url = `${server.origin}/mdm/windows/devices/dev-contoso-001`;
  const headers = { authorization: 'Bearer demo-contoso-readonly-token' };
  const once = async (): Promise<void> => {
    const r = await agent.request({ origin: server.origin, path: new URL(url).pathname, method: 'GET', headers });
    await r.body.arrayBuffer();
  };
  const perRequest: number[] = [];
  const rounds = quick ? 5 : 15;
  const batch = quick ? 100 : 300;
  for (let round = 0; round < rounds + 2; round++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) await once();
    const us = Number(process.hrtime.bigint() - t0) / 1000 / batch;
    if (round >= 2) perRequest.push(us);
  }
  await agent.close();
  await server.close();
  await store.close();
  const us = median(perRequest);
  return {
    name: 'router: GET /mdm/windows/devices/{id}, whole request (one connection)',
    unit: 'µs/request',
    median: us,
    n: perRequest.length,
    note: `the lookup is ${((lookupNs / 1000 / us) * 100).toFixed(3)}% of it`,
  };
}

export const routerBench: BenchModule = {
  name: 'router',
  async run({ quick }) {
    const today = lookupFigures(`${TODAY.length} routes`, TODAY, quick);
    const grown = lookupFigures(`${GROWN.length} routes`, GROWN, quick);
    return [today, grown, await requestFigure(quick, grown.median)];
  },
};

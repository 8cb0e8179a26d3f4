import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api, startDemoServer, tokens } from './support/server.js';

let ctx: Awaited<ReturnType<typeof startDemoServer>>;
beforeAll(async () => {
  ctx = await startDemoServer();
});
afterAll(async () => {
  await ctx.close();
});

describe('the router', () => {
  test('registers exactly the declared routes, by their path templates', () => {
    const declared = ctx.server.router.routes.map((r) => `${r.method} ${r.path}`).sort();
    const registered = ctx.server.router.registered().map((r) => `${r.method} ${r.path}`).sort();
    expect(registered).toEqual(declared);
    expect(registered).toContain('PATCH /mdm/windows/devices/{id}');
    expect(registered).toContain('POST /ManagementServer/MDM.svc');
  });

  test('a path that exists with another method is 405 with Allow', async () => {
    const response = await fetch(`${ctx.server.origin}/mdm/windows/devices/dev-contoso-001`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, PATCH');
    expect(await response.json()).toEqual({ status: false, error: { code: 405, message: 'Method not allowed' } });
  });

  test('an empty path parameter matches nothing, and a malformed percent-encoding is 400', async () => {
    const empty = await api(ctx.server, 'GET', '/mdm/windows/devices/', tokens.contosoAdmin);
    expect(empty.status).toBe(404);
    const malformed = await api(ctx.server, 'GET', '/mdm/windows/devices/%E0%A4%A', tokens.contosoAdmin);
    expect(malformed).toEqual({ status: 400, json: { status: false, error: { code: 400, message: 'Malformed path' } } });
  });

  test('path parameters are decoded once', async () => {
    const result = await api(ctx.server, 'GET', `/mdm/windows/devices/${encodeURIComponent('dev-contoso-001')}`, tokens.contosoAdmin);
    expect(result.status).toBe(200);
    const slash = await api(ctx.server, 'GET', '/mdm/windows/devices/dev%2Fcontoso', tokens.contosoAdmin);
    expect(slash.status).toBe(404);
    expect(slash.json['error']).toMatchObject({ code: 3001, entity: 'device' });
  });

  test('counts requests per route template and status in the metrics', async () => {
    await api(ctx.server, 'GET', '/mdm/windows/devices/dev-contoso-001', tokens.contosoAdmin);
    await api(ctx.server, 'GET', '/mdm/windows/devices/dev-contoso-002', undefined);
    const text = await (await fetch(`${ctx.server.origin}/metrics`)).text();
    expect(text).toMatch(/winmdm_api_requests_total\{route="\/mdm\/windows\/devices\/\{id\}",method="GET",status="200"\} [1-9]/);
    expect(text).toMatch(/winmdm_api_requests_total\{route="\/mdm\/windows\/devices\/\{id\}",method="GET",status="401"\} [1-9]/);
    expect(text).toContain('process_cpu_seconds_total');
  });
});

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeviceResponseSchema } from '@winmdm/policy';
import { api, expectError, startDemoServer, tokens } from './support/server.js';

const seedRequest = JSON.parse(
  readFileSync(new URL('../../../fixtures/api/update-request.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

let ctx: Awaited<ReturnType<typeof startDemoServer>>;
beforeAll(async () => {
  ctx = await startDemoServer();
});
afterAll(async () => {
  await ctx.close();
});

describe('GET /mdm/windows/devices/{id}', () => {
  test('answers the full device document in the upstream shape', async () => {
    const result = await api(ctx.server, 'GET', '/mdm/windows/devices/dev-contoso-001', tokens.contosoReadOnly);
    expect(result.status).toBe(200);
    const { data } = DeviceResponseSchema.parse(result.json);
    expect(data).toMatchObject({
      id: 'dev-contoso-001',
      organizationId: 'org-contoso',
      winId: 'DEMO-LAPTOP-001',
      mdmUser: { id: 'user-alice', email: 'alice@contoso.example' },
      state: 'ACTIVE',
      type: 'windows',
      winPolicy: { id: 'pol-contoso-baseline' },
      winPolicyAssignments: [{ winPolicyId: 'pol-contoso-strict-passwords', priority: 1, winPolicy: { name: 'Strict passwords' } }],
    });
    // Alice is in sales: the automation rule enforces the sales policy, with the reasons that held.
    expect(data.winPolicyAssignmentsEnforced).toEqual([
      expect.objectContaining({
        winPolicyId: 'pol-contoso-sales',
        winPolicy: expect.objectContaining({ name: 'Sales team apps' }),
        automationRule: {
          id: 'rule-contoso-sales',
          name: 'Sales team policies',
          deviceAudiences: [{ id: 'aud-contoso-sales', name: 'Sales Department', reasons: ['tag:sales', 'user.department:Sales'] }],
        },
      }),
    ]);
    // The assignment (priority 1) beats the baseline's 8; enforced beats the baseline's wallpaper.
    expect(data.deviceWinPolicy?.config).toMatchObject({
      './Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength': 12,
      './Device/Vendor/MSFT/Personalization/DesktopImageUrl': 'https://cdn.contoso.example/wallpaper/sales.jpg',
    });
  });

  test('another organization\'s device is not found', async () => {
    expectError(await api(ctx.server, 'GET', '/mdm/windows/devices/dev-fabrikam-101', tokens.contosoAdmin), 404, 3001, 'Entity not found');
    expectError(await api(ctx.server, 'GET', '/mdm/windows/devices/nope', tokens.contosoAdmin), 404, 3001, 'Entity not found');
  });

  test('answers a conditional GET of an unchanged document with 304 and no body', async () => {
    const url = `${ctx.server.origin}/mdm/windows/devices?winId=DEMO-LAPTOP-001`;
    const headers = { authorization: `Bearer ${tokens.contosoAgent}` };
    const first = await fetch(url, { headers });
    const etag = first.headers.get('etag');
    await first.arrayBuffer();
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await fetch(url, { headers: { ...headers, 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  test('lists devices by winId (the sync agent contract)', async () => {
    const result = await api(ctx.server, 'GET', '/mdm/windows/devices?winId=DEMO-LAPTOP-003', tokens.contosoAgent);
    expect(result.status).toBe(200);
    expect((result.json['data'] as { id: string }[]).map((d) => d.id)).toEqual(['dev-contoso-003']);
    const other = await api(ctx.server, 'GET', '/mdm/windows/devices?winId=FAB-PC-101', tokens.contosoAgent);
    expect(other.json['data']).toEqual([]);
  });
});

describe('PATCH /mdm/windows/devices/{id}', () => {
  test('the upstream example request answers a document the upstream response schema accepts', async () => {
    const result = await api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-contoso-002', tokens.contosoAdmin, seedRequest);
    expect(result.status).toBe(200);
    const { data } = DeviceResponseSchema.parse(result.json);
    expect(data).toMatchObject({
      id: 'dev-contoso-002',
      displayName: 'Sales Team Laptop - Updated',
      tags: ['finance', 'headquarters', 'priority'],
      mdmUser: { id: '507f1f77bcf86cd799439099' },
      winPolicy: { id: '507f1f77bcf86cd7994390aa' },
      winPolicyAssignments: [{ winPolicyId: 'string', priority: 0, winPolicy: { id: 'string' } }],
      segmentId: '1',
    });
    expect(data.deviceWinPolicy?.config).toMatchObject({
      './Device/Vendor/MSFT/Policy/Config/Security/RequireDeviceEncryption': '1',
      './Device/Vendor/MSFT/Policy/Config/Experience/AllowCortana': 0,
    });
    expect(typeof data.updatedAt).toBe('string');
    // And the change is stored: a GET sees it.
    const again = await api(ctx.server, 'GET', '/mdm/windows/devices/dev-contoso-002', tokens.contosoAdmin);
    expect((again.json['data'] as { displayName: string }).displayName).toBe('Sales Team Laptop - Updated');
  });

  test('no token or an unknown token: 4002 No auth token (401)', async () => {
    expectError(await api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-contoso-001', undefined, {}), 401, 4002, 'No auth token');
    expectError(await api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-contoso-001', 'not-a-token', {}), 401, 4002, 'No auth token');
  });

  test('a 401 challenges with WWW-Authenticate: Bearer, and says when the token presented is unknown', async () => {
    const url = `${ctx.server.origin}/mdm/windows/devices/dev-contoso-001`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="winmdm-api"');
    const unknown = await fetch(url, { headers: { authorization: 'Bearer not-a-token' } });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer realm="winmdm-api", error="invalid_token", error_description="unknown token"');
    expect(await unknown.json()).toEqual({ status: false, error: { code: 4002, message: 'No auth token' } });
    // Other errors carry no challenge.
    const forbidden = await fetch(url, { method: 'PATCH', headers: { authorization: `Bearer ${tokens.contosoReadOnly}`, 'content-type': 'application/json' }, body: '{}' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toBeNull();
  });

  test('a token without mdm.windows.device.update: 403 with its own code', async () => {
    expectError(
      await api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-contoso-001', tokens.contosoReadOnly, { displayName: 'x' }),
      403,
      4003,
      'Permission required: mdm.windows.device.update',
    );
  });

  test('device, policy or user not found, including another organization\'s: 3001 (404)', async () => {
    const cases: [string, unknown][] = [
      ['/mdm/windows/devices/dev-fabrikam-101', { displayName: 'x' }],
      ['/mdm/windows/devices/dev-contoso-003', { winPolicyId: 'pol-fabrikam-baseline' }],
      ['/mdm/windows/devices/dev-contoso-003', { winPolicyAssignments: [{ winPolicyId: 'pol-missing', priority: 1 }] }],
      ['/mdm/windows/devices/dev-contoso-003', { mdmUserId: 'user-carol' }],
    ];
    for (const [path, body] of cases) expectError(await api(ctx.server, 'PATCH', path, tokens.contosoAdmin, body), 404, 3001, 'Entity not found');
  });

  test('features outside the billing plan: 5050 (403)', async () => {
    // Fabrikam's plan allows two assignments...
    expectError(
      await api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-fabrikam-101', tokens.fabrikamAdmin, {
        winPolicyAssignments: [
          { winPolicyId: 'pol-fabrikam-baseline', priority: 1 },
          { winPolicyId: 'pol-fabrikam-vip', priority: 2 },
          { winPolicyId: 'pol-fabrikam-vip', priority: 3 },
        ],
      }),
      403,
      5050,
      'Feature not allowed for you billing plan',
    );
    // ...and no automation rules: tagging the device so that a rule would enforce a policy is refused.
    expectError(
      await api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-fabrikam-101', tokens.fabrikamAdmin, { tags: ['vip'] }),
      403,
      5050,
      'Feature not allowed for you billing plan',
    );
    const ok = await api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-fabrikam-101', tokens.fabrikamAdmin, { tags: ['lobby'] });
    expect(ok.status).toBe(200);
  });

  test('an invalid body: 400 with a code and the field paths', async () => {
    const unknown = await api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-contoso-003', tokens.contosoAdmin, { displayName: 'x', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.json['error']).toMatchObject({ code: 4000, fields: [{ path: [], code: 'unrecognized_keys' }] });
    expect((unknown.json['error'] as { message: string }).message).toContain('colour');

    const wrongType = await api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-contoso-003', tokens.contosoAdmin, {
      winPolicyAssignments: [{ winPolicyId: 'pol-contoso-strict-passwords', priority: 'high' }],
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json['error']).toMatchObject({ code: 4000, fields: [{ path: ['winPolicyAssignments', 0, 'priority'] }] });

    const notJson = await api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-contoso-003', tokens.contosoAdmin, '{nope');
    expect(notJson.status).toBe(400);
    expect(notJson.json['error']).toMatchObject({ code: 4000, message: 'Invalid request body: (body): body is not JSON' });
  });

  test('concurrent PATCHes of one device never lose an update', async () => {
    const fields = Array.from({ length: 12 }, (_, i) => i);
    await Promise.all(
      fields.map((i) =>
        api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-contoso-003', tokens.contosoAdmin,
          i % 2 === 0 ? { displayName: `name-${i}` } : { segmentId: `segment-${i}` }),
      ),
    );
    const { json } = await api(ctx.server, 'GET', '/mdm/windows/devices/dev-contoso-003', tokens.contosoAdmin);
    const data = json['data'] as { displayName: string; segmentId: string };
    // Whatever the order, one displayName and one segmentId PATCH won, and each change bumped the
    // revision exactly once.
    expect(data.displayName).toMatch(/^name-\d+$/);
    expect(data.segmentId).toMatch(/^segment-\d+$/);
    const row = await ctx.store.transaction((tx) => tx.getDevice('dev-contoso-003'));
    expect(row?.revision).toBe(1 + fields.length);
  });
});

describe('PUT /mdm/windows/policies/{id}', () => {
  test('updates a policy, bumps its version and the organization epoch', async () => {
    const before = await ctx.store.transaction((tx) => tx.getPolicyEpoch('org-contoso'));
    const result = await api(ctx.server, 'PUT', '/mdm/windows/policies/pol-contoso-relaxed-updates', tokens.contosoAdmin, {
      name: 'Relaxed updates',
      config: { './Device/Vendor/MSFT/Policy/Config/Update/AllowAutoUpdate': 3 },
    });
    expect(result.status).toBe(200);
    expect(result.json['data']).toMatchObject({ id: 'pol-contoso-relaxed-updates', version: 2, organizationId: 'org-contoso' });
    expect(await ctx.store.transaction((tx) => tx.getPolicyEpoch('org-contoso'))).toBe(before + 1);
    expectError(
      await api(ctx.server, 'PUT', '/mdm/windows/policies/pol-fabrikam-vip', tokens.contosoAdmin, { name: 'hijack' }),
      404,
      3001,
      'Entity not found',
    );
  });
});

describe('GET /mdm/windows/devices: the organization\'s devices, a page at a time', () => {
  const ids = (json: Record<string, unknown>): string[] => (json['data'] as { id: string }[]).map((d) => d.id);

  test('limit and cursor walk the devices in the order of their ids; the last page has no nextCursor', async () => {
    const first = await api(ctx.server, 'GET', '/mdm/windows/devices?limit=2', tokens.contosoReadOnly);
    expect(first.status).toBe(200);
    expect(ids(first.json)).toEqual(['dev-contoso-001', 'dev-contoso-002']);
    const cursor = first.json['nextCursor'];
    expect(cursor).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]+$/));
    const second = await api(ctx.server, 'GET', `/mdm/windows/devices?limit=2&cursor=${String(cursor)}`, tokens.contosoReadOnly);
    expect(second.status).toBe(200);
    expect(ids(second.json)).toEqual(['dev-contoso-003']);
    expect(second.json['nextCursor']).toBeNull();
    // Full documents, the same as GET /mdm/windows/devices/{id}.
    const one = await api(ctx.server, 'GET', '/mdm/windows/devices/dev-contoso-003', tokens.contosoReadOnly);
    expect((second.json['data'] as unknown[])[0]).toEqual(one.json['data']);
  });

  test('by default one page of up to 100, of the caller\'s organization only', async () => {
    const all = await api(ctx.server, 'GET', '/mdm/windows/devices', tokens.contosoReadOnly);
    expect(ids(all.json)).toEqual(['dev-contoso-001', 'dev-contoso-002', 'dev-contoso-003']);
    expect(all.json['nextCursor']).toBeNull();
    const fabrikam = await api(ctx.server, 'GET', '/mdm/windows/devices', tokens.fabrikamAdmin);
    expect(ids(fabrikam.json)).toEqual(['dev-fabrikam-101']);
  });

  test.each([
    ['limit=0', 'limit', 'Expected an integer from 1 to 500'],
    ['limit=501', 'limit', 'Expected an integer from 1 to 500'],
    ['limit=ten', 'limit', 'Expected an integer from 1 to 500'],
    ['cursor=not*a*cursor', 'cursor', 'Expected the nextCursor of an earlier page'],
    ['cursor=A', 'cursor', 'Expected the nextCursor of an earlier page'],
  ])('%s is a 400 naming the parameter', async (query, field, message) => {
    const result = await api(ctx.server, 'GET', `/mdm/windows/devices?${query}`, tokens.contosoReadOnly);
    expectError(result, 400, 4000, `Invalid request query: query.${field}: ${message}`);
    expect(result.json['error']).toMatchObject({ fields: [{ path: ['query', field], message }] });
  });

  test('the OpenAPI document describes the page envelope', () => {
    const doc = ctx.server.openapi() as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: Record<string, unknown> }> }> } }> };
    const schema = doc.paths['/mdm/windows/devices']?.get.responses['200']?.content['application/json']?.schema;
    expect(schema).toMatchObject({ required: ['status', 'data', 'nextCursor'], properties: { nextCursor: { type: ['string', 'null'] } } });
  });

  test('with winId: the sync agent contract, one device or none, and no further page', async () => {
    const result = await api(ctx.server, 'GET', '/mdm/windows/devices?winId=DEMO-LAPTOP-003', tokens.contosoReadOnly);
    expect(ids(result.json)).toEqual(['dev-contoso-003']);
    expect(result.json['nextCursor']).toBeNull();
  });
});

describe('a malformed percent-encoding in the path', () => {
  test('is a 400 in the error envelope on every route with a path parameter, for every method', async () => {
    const routes = ctx.server.router.routes.filter((r) => r.path.includes('{'));
    expect(routes.length).toBeGreaterThan(5);
    for (const route of routes) {
      for (const bad of ['%', '%E0%A4%A', 'a%zz']) {
        const path = route.path.replace(/\{[^}]+\}/g, bad);
        const response = await fetch(`${ctx.server.origin}${path}`, {
          method: route.method,
          headers: { authorization: `Bearer ${tokens.contosoAdmin}`, 'content-type': 'application/json' },
          ...(route.method === 'GET' ? {} : { body: '{}' }),
        });
        expect(`${route.method} ${path} ${response.status} ${response.headers.get('content-type')}`).toBe(
          `${route.method} ${path} 400 application/json; charset=utf-8`,
        );
        expect(await response.json()).toEqual({ status: false, error: { code: 400, message: 'Malformed path' } });
      }
    }
  });
});

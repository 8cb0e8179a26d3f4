import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defineApiRoute, EnvelopeCodes } from '../src/http/Route.js';
import { z } from 'zod';
import { api, startDemoServer, tokens } from './support/server.js';
import { OpenApiChecker } from './support/openapi.js';

let ctx: Awaited<ReturnType<typeof startDemoServer>>;
beforeAll(async () => {
  // One route from "another feature's table", to see that added tables are documented too.
  const extra = defineApiRoute({
    method: 'POST',
    path: '/mdm/windows/things/{thingId}/poke',
    operationId: 'pokeThing',
    summary: 'A test route',
    tags: ['test'],
    permission: 'mdm.windows.device.update',
    params: z.object({ thingId: z.string() }),
    body: z.strictObject({ times: z.number().int().min(1) }),
    response: z.object({ poked: z.number() }),
    errors: [EnvelopeCodes.entityNotFound],
    handle: async ({ body }) => ({ poked: body.times }),
  });
  ctx = await startDemoServer({ routes: [extra] });
});
afterAll(async () => {
  await ctx.close();
});

async function document(): Promise<Record<string, unknown>> {
  const response = await fetch(`${ctx.server.origin}/openapi.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('GET /openapi.json', () => {
  test('documents every route the router registered, and nothing else', async () => {
    const doc = await document();
    const paths = doc['paths'] as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    const registered = ctx.server.router.registered().map((r) => `${r.method} ${r.path}`).sort();
    expect(documented).toEqual(registered);
    expect(registered).toContain('POST /mdm/windows/things/{thingId}/poke');
    expect(registered).toContain('GET /openapi.json');
  });

  test('is a valid OpenAPI 3.1 document', async () => {
    const doc = await document();
    expect(doc['openapi']).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  test('each management API route names its permission, body, responses and error codes', async () => {
    const doc = await document();
    const patch = (doc['paths'] as Record<string, Record<string, Record<string, unknown>>>)['/mdm/windows/devices/{id}']?.['patch'];
    expect(patch).toMatchObject({
      operationId: 'updateDevice',
      'x-permission': 'mdm.windows.device.update',
      security: [{ bearerAuth: [] }],
      requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/UpdateDeviceRequest' } } } },
      parameters: [{ name: 'id', in: 'path', required: true }],
    });
    const responses = patch?.['responses'] as Record<string, unknown>;
    expect(Object.keys(responses).sort()).toEqual(['200', '400', '401', '403', '404']);
    const codes = (status: string): unknown[] => {
      const text = JSON.stringify(responses[status]);
      return [...text.matchAll(/"enum":\[([^\]]*)\]/g)].flatMap((m) => (m[1] as string).split(',').map(Number));
    };
    expect(codes('400')).toEqual([4000, 400]);
    expect(codes('401')).toEqual([4002]);
    expect(responses['401']).toMatchObject({ headers: { 'WWW-Authenticate': { schema: { type: 'string' }, description: expect.stringContaining('Bearer realm="winmdm-api"') } } });
    expect(codes('403')).toEqual([4003, 5050]);
    expect(codes('404')).toEqual([3001]);
    // 4000 answers carry the invalid fields.
    expect(JSON.stringify(responses['400'])).toContain('"required":["fields"]');
    const schemas = (doc['components'] as { schemas: Record<string, Record<string, unknown>> }).schemas;
    expect(schemas['UpdateDeviceRequest']).toMatchObject({ type: 'object', additionalProperties: false });
    expect(Object.keys(schemas['UpdateDeviceRequest']?.['properties'] as object)).toEqual(
      expect.arrayContaining(['displayName', 'tags', 'mdmUserId', 'winPolicyId', 'winPolicyAssignments', 'segmentId']),
    );
    expect(schemas['ErrorEnvelope']).toMatchObject({ properties: { status: { const: false } } });
  });

  test('the device endpoint documents its challenge, its refusal header and its media types', async () => {
    const doc = await document();
    const post = (doc['paths'] as Record<string, Record<string, Record<string, unknown>>>)['/ManagementServer/MDM.svc']?.['post'];
    const responses = post?.['responses'] as Record<string, { headers?: Record<string, { description: string }> }>;
    expect(responses['401']?.headers?.['WWW-Authenticate']?.description).toContain('MutualTLS realm="winmdm-devices"');
    expect(responses['401']?.headers?.['Winmdm-Refusal']?.description).toContain('unknown-device');
    expect(responses['403']?.headers?.['Winmdm-Refusal']?.description).toBe('source-mismatch');
    expect(responses['415']?.headers?.['Winmdm-Refusal']?.description).toBe('wbxml-not-supported, unsupported-media-type or not-oma-dm');
    const media = (r: unknown): string[] => Object.keys((r as { content: object }).content).sort();
    expect(media(post?.['requestBody'])).toEqual(['application/vnd.syncml+xml', 'application/vnd.syncml.dm+xml']);
    expect(media(responses['200'])).toEqual(['application/vnd.syncml+xml', 'application/vnd.syncml.dm+xml']);
    expect(media(responses['415'])).toEqual(['text/plain']);
  });

  test('the answers of the management API validate against it, and a wrong answer does not', async () => {
    // api() checks every answer; these cover success, 304-less reads, and each error code.
    expect((await api(ctx.server, 'GET', '/mdm/windows/devices/dev-contoso-001', tokens.contosoAdmin)).status).toBe(200);
    expect((await api(ctx.server, 'GET', '/mdm/windows/devices?winId=DEMO-LAPTOP-001', tokens.contosoAgent)).status).toBe(200);
    expect((await api(ctx.server, 'GET', '/mdm/windows/devices/dev-contoso-001', undefined)).status).toBe(401);
    expect((await api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-contoso-001', tokens.contosoReadOnly, { tags: [] })).status).toBe(403);
    expect((await api(ctx.server, 'GET', '/mdm/windows/devices/nope', tokens.contosoAdmin)).status).toBe(404);
    expect((await api(ctx.server, 'PATCH', '/mdm/windows/devices/dev-contoso-001', tokens.contosoAdmin, { colour: 1 })).status).toBe(400);
    expect((await api(ctx.server, 'POST', '/mdm/windows/things/t1/poke', tokens.contosoAdmin, { times: 2 })).json).toEqual({ status: true, data: { poked: 2 } });

    const checker = new OpenApiChecker(await document());
    expect(() => checker.check('GET', '/mdm/windows/devices/dev-1', 200, { status: true, data: { id: 7 } })).toThrow(/does not match/);
    expect(() => checker.check('GET', '/mdm/windows/devices/dev-1', 404, { status: false, error: { code: 4002, message: 'x' } })).toThrow(/does not match/);
    expect(() => checker.check('GET', '/mdm/windows/devices/dev-1', 418, {})).toThrow(/not documented/);
  });

  test('winmdm openapi prints the same document', async () => {
    expect(ctx.server.openapi()).toEqual(await document());
  });
});

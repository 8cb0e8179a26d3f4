import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { expect } from 'vitest';
import { ErrorEnvelopeSchema } from '@winmdm/policy';
import { importBundle } from '../../src/fleet/importBundle.js';
import { SqliteStore } from '../../src/store/SqliteStore.js';
import type { Store } from '../../src/store/Store.js';
import { startWinmdmServer, type WinmdmServer, type WinmdmServerOptions } from '../../src/startWinmdmServer.js';
import { checkDocumented } from './openapi.js';

export const demoBundlePath = new URL('../../../../fixtures/demo/bundle.json', import.meta.url);

/** The demo fleet's shape, as far as tests look into it. */
export interface DemoBundle {
  devices: { id: string; winId: string; [k: string]: unknown }[];
  policies: { id: string; config?: Record<string, unknown>; [k: string]: unknown }[];
  [k: string]: unknown;
}

/** The demo fleet (fixtures/demo/bundle.json), parsed afresh for each caller. */
export function demoBundle(): DemoBundle {
  return JSON.parse(readFileSync(demoBundlePath, 'utf8')) as DemoBundle;
}

export const tokens = {
  contosoAdmin: 'demo-contoso-admin-token',
  contosoReadOnly: 'demo-contoso-readonly-token',
  contosoAgent: 'demo-contoso-sync-agent-token',
  fabrikamAdmin: 'demo-fabrikam-admin-token',
};

/** A silent logger for tests (set WINMDM_TEST_LOG=debug to see what the server logs). */
export const testLogger = pino({ level: process.env['WINMDM_TEST_LOG'] ?? 'silent' });

/** An in-process server on a loopback port, over plain HTTP, with the demo fleet imported. */
export async function startDemoServer(
  options: Partial<WinmdmServerOptions> & { store?: Store; bundle?: unknown } = {},
): Promise<{ server: WinmdmServer; store: Store; close(): Promise<void> }> {
  const store = options.store ?? SqliteStore.open(':memory:');
  await store.migrate();
  await importBundle(store, options.bundle ?? demoBundle());
  const server = await startWinmdmServer({ logger: testLogger, port: 0, tls: false, devAuth: true, ...options, store });
  return {
    server,
    store,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}

/**
 * Calls the management API with a bearer token; resolves to the HTTP status and the JSON body,
 * after checking the answer against the server's OpenAPI document.
 */
export async function api(
  server: WinmdmServer,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.origin}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const json = (await response.json()) as Record<string, unknown>;
  checkDocumented(server, method, path, response.status, json);
  return { status: response.status, json };
}

/** Asserts an API answer is the error envelope with this HTTP status, envelope code and message. */
export function expectError(result: { status: number; json: Record<string, unknown> }, status: number, code: number, message: string): void {
  expect(result.status).toBe(status);
  expect(ErrorEnvelopeSchema.parse(result.json).error).toMatchObject({ code, message });
}

import { afterEach, describe, expect, test } from 'vitest';
import { SqliteStore } from '../src/store/SqliteStore.js';
import type { Store } from '../src/store/Store.js';
import { checkReadiness } from '../src/health/checkReadiness.js';
import { startDemoServer } from './support/server.js';

let ctx: Awaited<ReturnType<typeof startDemoServer>> | undefined;
afterEach(async () => {
  await ctx?.close();
  ctx = undefined;
});

async function get(origin: string, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${origin}${path}`);
  const text = await response.text();
  return { status: response.status, body: response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text };
}

/** A store whose readiness query is replaced (the rest is a real in-memory store). */
function storeWith(pendingMigrations: () => Promise<number>): Store {
  const real = SqliteStore.open(':memory:');
  return { kind: real.kind, transaction: (fn) => real.transaction(fn), migrate: () => real.migrate(), close: () => real.close(), pendingMigrations };
}

describe('/healthz and /readyz', () => {
  test('answer without a token: the process is alive and ready', async () => {
    ctx = await startDemoServer();
    expect(await get(ctx.server.origin, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get(ctx.server.origin, '/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get(ctx.server.origin, '/readyz')).toEqual({
      status: 200,
      body: { status: 'ready', checks: { store: 'ok', migrations: 'done', shutdown: false } },
    });
  });

  test('a store that does not answer within the deadline: 503, and the error text stays in the log', async () => {
    let fail: 'hang' | 'throw' = 'hang';
    const store = storeWith(() =>
      fail === 'hang' ? new Promise<number>(() => undefined) : Promise.reject(new Error('connect ECONNREFUSED db.internal.example:5432')),
    );
    ctx = await startDemoServer({ store, readyTimeoutMs: 50 });
    expect(await get(ctx.server.origin, '/readyz')).toEqual({
      status: 503,
      body: { status: 'not ready', reason: 'the store did not answer within 50 ms', checks: { store: 'timeout', migrations: 'unknown', shutdown: false } },
    });
    fail = 'throw';
    const failed = await get(ctx.server.origin, '/readyz');
    expect(failed).toEqual({
      status: 503,
      body: { status: 'not ready', reason: 'the store query failed', checks: { store: 'error', migrations: 'unknown', shutdown: false } },
    });
    expect(JSON.stringify(failed.body)).not.toContain('db.internal');
    // Liveness does not depend on the store.
    expect((await get(ctx.server.origin, '/healthz')).status).toBe(200);
  });

  test('schema migrations not applied: 503', async () => {
    ctx = await startDemoServer({ store: storeWith(() => Promise.resolve(2)) });
    expect(await get(ctx.server.origin, '/readyz')).toEqual({
      status: 503,
      body: { status: 'not ready', reason: '2 schema migration(s) not applied', checks: { store: 'ok', migrations: 'pending', shutdown: false } },
    });
  });

  test('a real store reports its own migrations: none pending after migrate, all before', async () => {
    const store = SqliteStore.open(':memory:');
    await store.migrate();
    expect(await store.pendingMigrations()).toBe(0);
    await store.close();
    const fresh = SqliteStore.open(':memory:');
    await expect(fresh.pendingMigrations()).rejects.toThrow(/no such table: schema_migrations/);
    await fresh.close();
  });

  test('sync agent mode: an open upstream breaker makes the agent not ready; half-open is ready', async () => {
    let breaker: 'closed' | 'open' | 'half-open' = 'open';
    ctx = await startDemoServer({ upstreamBreaker: () => breaker });
    expect(await get(ctx.server.origin, '/readyz')).toEqual({
      status: 503,
      body: {
        status: 'not ready',
        reason: 'the upstream API is failing (circuit breaker open)',
        checks: { store: 'ok', migrations: 'done', upstream: 'open', shutdown: false },
      },
    });
    breaker = 'half-open';
    expect((await get(ctx.server.origin, '/readyz')).status).toBe(200);
  });

  test('shutting down: not ready', async () => {
    const store = SqliteStore.open(':memory:');
    await store.migrate();
    expect(await checkReadiness({ store, shuttingDown: () => true })).toEqual({
      status: 'not ready',
      reason: 'shutting down',
      checks: { store: 'ok', migrations: 'done', shutdown: true },
    });
    await store.close();
  });
});

describe('--metrics-port', () => {
  test('serves /metrics, /healthz and /readyz on its own port, and takes /metrics off the main one', async () => {
    ctx = await startDemoServer({ metricsPort: 0 });
    const ops = ctx.server.metricsHttp?.origin ?? '';
    expect(ops).not.toBe(ctx.server.origin);
    const scraped = await get(ops, '/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.body).toContain('# TYPE winmdm_device_messages_total counter');
    expect((await get(ops, '/readyz')).status).toBe(200);
    expect((await get(ops, '/healthz')).status).toBe(200);
    expect((await get(ctx.server.origin, '/metrics')).status).toBe(404);
    expect((await get(ops, '/mdm/windows/devices')).status).toBe(404);
  });
});

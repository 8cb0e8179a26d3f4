import { z } from 'zod';
import { checkReadiness, ReadinessSchema, type ReadinessOptions } from '../health/checkReadiness.js';
import type { Metrics } from '../metrics/Metrics.js';
import { sendText } from './deviceRoute.js';
import { defineRawRoute, type RawRoute } from './Route.js';
import { sendJson } from './sendJson.js';
import type { JsonValue } from '../openapi/buildOpenApiDocument.js';

/** Options of {@link operationsRoutes}. */
export interface OperationsOptions {
  metrics: Metrics;
  readiness: ReadinessOptions;
  /** Serve `GET /metrics` here (default true; false when `--metrics-port` serves it elsewhere). */
  serveMetrics?: boolean;
}

const LiveSchema = z.object({ status: z.literal('ok') });

/**
 * The routes an operator's tooling calls without a token: liveness, readiness and the
 * Prometheus scrape. They answer nothing sensitive (no device ids, tokens, hosts or paths).
 */
export function operationsRoutes(options: OperationsOptions): RawRoute[] {
  const live = (path: '/healthz' | '/health', operationId: string, summary: string): RawRoute =>
    defineRawRoute({
      method: 'GET',
      path,
      operationId,
      summary,
      description: 'Answers as long as the event loop runs; checks nothing else (a liveness probe).',
      tags: ['operations'],
      responses: { 200: { description: 'The process answers', content: { 'application/json': { schema: LiveSchema } } } },
      handle: async ({ res }) => sendJson(res, 200, { status: 'ok' }),
    });
  const routes: RawRoute[] = [
    live('/healthz', 'healthz', 'Liveness: the process answers'),
    live('/health', 'health', 'Liveness (an alias of /healthz)'),
    defineRawRoute({
      method: 'GET',
      path: '/readyz',
      operationId: 'readyz',
      summary: 'Readiness: this process should get traffic',
      description:
        'The store answers a query within the deadline, every schema migration is applied, the upstream circuit breaker ' +
        'is not open (sync agent mode), and the process is not shutting down.',
      tags: ['operations'],
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: ReadinessSchema } } },
        503: { description: 'Not ready; `reason` says which check failed', content: { 'application/json': { schema: ReadinessSchema } } },
      },
      handle: async ({ res, log }) => {
        const readiness = await checkReadiness(options.readiness, (error) => log.warn({ err: error }, 'readiness: the store query failed'));
        sendJson(res, readiness.status === 'ready' ? 200 : 503, readiness);
      },
    }),
  ];
  if (options.serveMetrics ?? true) routes.push(metricsRoute(options.metrics));
  return routes;
}

/** `GET /metrics`: every family of {@link Metrics} in the Prometheus text format. */
export function metricsRoute(metrics: Metrics): RawRoute {
  return defineRawRoute({
    method: 'GET',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    description: 'Device messages, commands, statuses, store and API timings, sync agent state, and the default Node process metrics.',
    tags: ['operations'],
    responses: { 200: { description: 'The Prometheus text exposition format', content: { 'text/plain': {} } } },
    handle: async ({ res }) => sendText(res, 200, metrics.contentType, await metrics.text()),
  });
}

/** `GET /openapi.json`: the OpenAPI 3.1 document of every route the server answers, built once on first use. */
export function openApiRoute(document: () => JsonValue): RawRoute {
  let cached: string | undefined;
  return defineRawRoute({
    method: 'GET',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    description: 'The OpenAPI 3.1 document of every route of this server, generated from the route table and its zod schemas.',
    tags: ['operations'],
    responses: { 200: { description: 'An OpenAPI 3.1 document', content: { 'application/json': {} } } },
    handle: async ({ res }) => {
      cached ??= JSON.stringify(document());
      sendText(res, 200, 'application/json; charset=utf-8', cached);
    },
  });
}

import type { Metrics } from '../metrics/Metrics.js';
import { sendText } from './deviceRoute.js';
import { defineRawRoute, type RawRoute } from './Route.js';

/** Options of {@link operationsRoutes}. */
export interface OperationsOptions {
  metrics: Metrics;
  /** Serve `GET /metrics` on this port (default true; false when `--metrics-port` serves it elsewhere). */
  serveMetrics?: boolean;
}

/**
 * The routes an operator's tooling calls without a token: liveness and the Prometheus scrape.
 * They answer nothing sensitive (no device ids, no tokens, no configuration).
 */
export function operationsRoutes(options: OperationsOptions): RawRoute[] {
  const routes: RawRoute[] = [
    defineRawRoute({
      method: 'GET',
      path: '/health',
      operationId: 'health',
      summary: 'The process answers',
      tags: ['operations'],
      responses: { 200: { description: '`{"status":"ok"}`', content: { 'application/json': {} } } },
      handle: async ({ res }) => sendText(res, 200, 'application/json', '{"status":"ok"}\n'),
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

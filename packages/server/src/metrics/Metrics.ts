import { NODE_STATUSES, type NodeStatus } from '@winmdm/policy';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How a device message ended, the `outcome` label of `winmdm_device_messages_total`. */
export type DeviceMessageOutcome = 'served' | 'fast_path' | 'retried' | 'refused' | 'bad_input';

/** The node states of the fleet-status aggregate (`winmdm_nodes{state}`). */
export type NodeStateCounts = Partial<Record<NodeStatus, number>>;

/** Options of {@link Metrics}. */
export interface MetricsOptions {
  /** Collect Node's default process metrics (CPU, memory, event loop, GC; default true). */
  defaultMetrics?: boolean;
}

/** A source of a gauge that is read at scrape time (from the store, the breaker). */
type Source<T> = () => T | Promise<T>;

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Every Prometheus metric family winmdm exposes, in one registry per server (so several servers
 * in one process, as in the tests, do not share counters). Components receive this object and
 * count on it; gauges that describe stored state (outbox depth, nodes by state) are read from a
 * source at scrape time instead of being kept up to date on every write.
 *
 * To add a family, add a field here (named after what it counts) so that every family is listed
 * in one place, documented in the README's "Operating winmdm".
 *
 * @example
 * ```ts
 * const metrics = new Metrics();
 * metrics.deviceMessages.inc({ outcome: 'served' });
 * const text = await metrics.registry.metrics(); // the Prometheus text format
 * ```
 */
export class Metrics {
  readonly registry = new Registry();

  /** Device messages by outcome; `reason` says why one was refused or which bad-input code it got. */
  readonly deviceMessages = new Counter({
    name: 'winmdm_device_messages_total',
    help: 'OMA-DM device messages by outcome (served, fast_path, retried, refused, bad_input) and reason',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });

  /** Time from the body read to the answer, per outcome. */
  readonly deviceMessageSeconds = new Histogram({
    name: 'winmdm_device_message_duration_seconds',
    help: 'Time to handle one device message, by outcome',
    labelNames: ['outcome'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  /** Time of each store transaction (begin to commit or rollback). */
  readonly storeTransactionSeconds = new Histogram({
    name: 'winmdm_store_transaction_duration_seconds',
    help: 'Time of one store transaction, by result (commit or rollback)',
    labelNames: ['result'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  /** SyncML commands sent to devices, by verb (Add, Replace, Delete, Exec, Get, Atomic). */
  readonly commandsSent = new Counter({
    name: 'winmdm_commands_sent_total',
    help: 'SyncML commands sent to devices, by verb',
    labelNames: ['verb'] as const,
    registers: [this.registry],
  });

  /** Status elements devices answered to our commands, by code (200, 404, 418, 500, ...). */
  readonly statusesReceived = new Counter({
    name: 'winmdm_statuses_received_total',
    help: 'SyncML Status codes devices answered to commands, by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  /** Management API requests by route template, method and HTTP status. */
  readonly apiRequests = new Counter({
    name: 'winmdm_api_requests_total',
    help: 'HTTP requests by route (the declared path template), method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  /** Management API request time by route template and method. */
  readonly apiRequestSeconds = new Histogram({
    name: 'winmdm_api_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route (the declared path template) and method',
    labelNames: ['route', 'method'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  /** Enrollments by outcome (`enrolled`, or why one was refused). */
  readonly enrollments = new Counter({
    name: 'winmdm_enrollments_total',
    help: 'Device enrollments by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Sync agent mode: failed upstream calls by kind (timeout, connect, http_5xx, not_json, schema, envelope, circuit_open). */
  readonly upstreamErrors = new Counter({
    name: 'winmdm_upstream_errors_total',
    help: 'Failed calls to the upstream MDM API by kind (sync agent mode)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  #outboxDepth: Source<number> | undefined;
  #breakerState: Source<'closed' | 'open' | 'half-open'> | undefined;
  #nodesByState: Source<NodeStateCounts> | undefined;

  /** Sync agent mode: reports queued for the upstream and not yet accepted. */
  readonly outboxDepth = new Gauge({
    name: 'winmdm_outbox_depth',
    help: 'Reports queued for the upstream API and not yet accepted (sync agent mode)',
    registers: [this.registry],
    collect: async () => {
      if (this.#outboxDepth) this.outboxDepth.set(await this.#outboxDepth());
    },
  });

  /** Sync agent mode: 1 for the upstream circuit breaker's current state, 0 for the others. */
  readonly upstreamBreaker = new Gauge({
    name: 'winmdm_upstream_breaker_state',
    help: 'The upstream circuit breaker: 1 for its current state (closed, open, half-open)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: async () => {
      if (!this.#breakerState) return;
      const current = await this.#breakerState();
      for (const state of ['closed', 'open', 'half-open'] as const) this.upstreamBreaker.set({ state }, state === current ? 1 : 0);
    },
  });

  /** Device nodes by delivery state, from the store's fleet-status aggregate (never a scan). */
  readonly nodes = new Gauge({
    name: 'winmdm_nodes',
    help: `Device nodes (LocURIs) by delivery state: ${NODE_STATUSES.join(', ')}`,
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: async () => {
      if (!this.#nodesByState) return;
      const counts = await this.#nodesByState();
      for (const state of NODE_STATUSES) this.nodes.set({ state }, counts[state] ?? 0);
    },
  });

  constructor(options: MetricsOptions = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Where `winmdm_outbox_depth` is read from at scrape time. */
  observeOutbox(source: Source<number>): void {
    this.#outboxDepth = source;
  }

  /** Where `winmdm_upstream_breaker_state` is read from at scrape time. */
  observeBreaker(source: Source<'closed' | 'open' | 'half-open'>): void {
    this.#breakerState = source;
  }

  /** Where `winmdm_nodes{state}` is read from at scrape time (the fleet-status aggregate). */
  observeNodes(source: Source<NodeStateCounts>): void {
    this.#nodesByState = source;
  }

  /** The Prometheus text exposition of every family. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The `Content-Type` of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

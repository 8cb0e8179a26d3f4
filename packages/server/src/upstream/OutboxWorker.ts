import type { Logger } from 'pino';
import type { Store } from '../store/Store.js';
import { UpstreamError } from '../ServerError.js';
import type { UpstreamClient } from './UpstreamClient.js';
import type { Metrics } from '../metrics/Metrics.js';

/** Options of {@link OutboxWorker}. */
export interface OutboxWorkerOptions {
  store: Store;
  client: UpstreamClient;
  logger: Logger;
  /** How often the outbox is looked at when idle (default 1 s). */
  intervalMs?: number;
  /** First retry delay after a failed delivery; doubled per attempt up to `maxBackoffMs` (default 1 s, 5 min). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** How long a claimed report is hidden from other workers while it is being sent (default 60 s). */
  leaseMs?: number;
  /** Counts failed deliveries in `winmdm_upstream_errors_total` and exposes `winmdm_outbox_depth`. */
  metrics?: Metrics;
  now?: () => Date;
}

/**
 * Delivers queued device reports to the upstream API until each is accepted. Reports are queued
 * in the device's own transaction (so none is lost when the upstream is down, or the agent
 * crashes), claimed with a lease before sending (so replicas sharing a PostgreSQL outbox do not
 * send one twice), and deleted only once the upstream accepted them. A report whose answer was
 * lost is sent again; its `reportId` makes the upstream apply it once.
 */
export class OutboxWorker {
  readonly #o: Required<Omit<OutboxWorkerOptions, 'now' | 'metrics'>> & { now: () => Date; metrics?: Metrics };
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  delivered = 0;
  failures = 0;

  constructor(options: OutboxWorkerOptions) {
    this.#o = { intervalMs: 1_000, backoffMs: 1_000, maxBackoffMs: 300_000, leaseMs: 60_000, now: () => new Date(), ...options };
    options.metrics?.observeOutbox(() => this.#o.store.transaction((tx) => tx.countOutbox()));
  }

  start(): void {
    this.#stopped = false;
    const tick = (): void => {
      this.#timer = setTimeout(() => {
        void this.drain().finally(() => {
          if (!this.#stopped) tick();
        });
      }, this.#o.intervalMs);
      this.#timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  /** Sends every due report once; resolves when done (concurrent calls share one run). */
  drain(): Promise<void> {
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #drain(): Promise<void> {
    for (;;) {
      const now = this.#o.now();
      const lease = new Date(now.getTime() + this.#o.leaseMs).toISOString();
      const batch = await this.#o.store.transaction(async (tx) => {
        const due = await tx.dueOutbox(now.toISOString(), 20);
        // Claim: push the next attempt past the lease; a crash mid-send makes them due again later.
        for (const row of due) await tx.leaseOutbox(row.id, lease);
        return due;
      });
      if (batch.length === 0) return;
      let progressed = false;
      for (const row of batch) {
        try {
          await this.#o.client.post(`mdm/windows/devices/${encodeURIComponent(row.deviceId)}/reports`, JSON.parse(row.body) as unknown);
          await this.#o.store.transaction((tx) => tx.completeOutbox(row.id));
          this.delivered++;
          progressed = true;
        } catch (error) {
          this.failures++;
          this.#o.metrics?.upstreamErrors.inc({ kind: error instanceof UpstreamError ? error.kind : 'other' });
          const attempts = row.attempts + 1;
          const delay = Math.min(this.#o.backoffMs * 2 ** (attempts - 1), this.#o.maxBackoffMs);
          const message = error instanceof Error ? error.message : String(error);
          const next = new Date(this.#o.now().getTime() + delay).toISOString();
          await this.#o.store.transaction((tx) => tx.retryOutbox(row.id, next, message));
          if (error instanceof UpstreamError && error.envelopeCode === 4002) {
            this.#o.logger.error({ id: row.id }, 'upstream refused the agent\'s token (4002): reports wait until --upstream-token is fixed');
          } else {
            this.#o.logger.warn({ id: row.id, deviceId: row.deviceId, attempts, retryInMs: delay, err: message }, 'report delivery failed; will retry');
          }
        }
      }
      if (!progressed) return;
    }
  }
}

import { z } from 'zod';
import type { Store } from '../store/Store.js';

/** What `/readyz` looks at. */
export interface ReadinessOptions {
  store: Store;
  /** Sync agent mode: the upstream circuit breaker's state (`open` means not ready). */
  upstreamBreaker?: () => 'closed' | 'open' | 'half-open';
  /** True once the process is shutting down: a load balancer should stop sending requests. */
  shuttingDown?: () => boolean;
  /** How long the store may take to answer (default 2000 ms). */
  timeoutMs?: number;
}

/** The answer of `/readyz` (and, with `status: "ok"` only, of `/healthz`). */
export const ReadinessSchema = z.object({
  status: z.enum(['ready', 'not ready']),
  /** Why not, when not ready: one sentence without hosts, paths or credentials. */
  reason: z.string().optional(),
  checks: z.object({
    store: z.enum(['ok', 'timeout', 'error']),
    migrations: z.enum(['done', 'pending', 'unknown']),
    upstream: z.enum(['closed', 'open', 'half-open']).optional(),
    shutdown: z.boolean(),
  }),
});

/** The answer of `/readyz`. */
export type Readiness = z.infer<typeof ReadinessSchema>;

const TIMEOUT = Symbol('timeout');

/**
 * Whether this process should get traffic: the store answers a query within the deadline, every
 * migration of this code is applied, the upstream breaker (sync agent mode) is not open, and the
 * process is not shutting down. The answer names which check failed, never the error's text (it
 * could carry a host name or a path); `onError` gets that for the log.
 */
export async function checkReadiness(options: ReadinessOptions, onError?: (error: unknown) => void): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 2000;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), timeoutMs);
  });
  let pending: number | typeof TIMEOUT | Error;
  try {
    pending = await Promise.race([options.store.pendingMigrations(), deadline]);
  } catch (error) {
    onError?.(error);
    pending = error instanceof Error ? error : new Error(String(error));
  } finally {
    clearTimeout(timer);
  }
  const shutdown = options.shuttingDown?.() ?? false;
  const upstream = options.upstreamBreaker?.();
  const checks: Readiness['checks'] = {
    store: pending === TIMEOUT ? 'timeout' : pending instanceof Error ? 'error' : 'ok',
    migrations: typeof pending === 'number' ? (pending === 0 ? 'done' : 'pending') : 'unknown',
    ...(upstream !== undefined ? { upstream } : {}),
    shutdown,
  };
  const reason =
    checks.store === 'timeout'
      ? `the store did not answer within ${timeoutMs} ms`
      : checks.store === 'error'
        ? 'the store query failed'
        : checks.migrations === 'pending'
          ? `${String(pending)} schema migration(s) not applied`
          : upstream === 'open'
            ? 'the upstream API is failing (circuit breaker open)'
            : shutdown
              ? 'shutting down'
              : undefined;
  return reason === undefined ? { status: 'ready', checks } : { status: 'not ready', reason, checks };
}

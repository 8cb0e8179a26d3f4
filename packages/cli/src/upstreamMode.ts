import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { OutboxWorker, UpstreamClient, UpstreamPolicySource, type Metrics, type Store } from '@winmdm/server';
import { CliError } from './CliError.js';
import type { FlagSpec } from './CommandSpec.js';
import type { Io } from './Io.js';

/** The `serve` flags of sync agent mode. */
export const upstreamFlags = {
  upstream: { type: 'string', value: '<url>', env: 'WINMDM_UPSTREAM_URL', description: 'sync agent mode: take desired state from this MDM API' },
  'upstream-token': { type: 'string', value: '<token>', env: 'WINMDM_UPSTREAM_TOKEN', description: "the upstream API's bearer token" },
  'upstream-ca': { type: 'string', value: '<file>', env: 'WINMDM_UPSTREAM_CA', description: "CA certificate(s) of the upstream API (PEM), when it has a private CA" },
} as const satisfies Record<string, FlagSpec>;

/** Environment variables of sync agent mode that no flag stands for. */
export const upstreamEnv = {
  WINMDM_UPSTREAM_CACHE_TTL_MS: 'how long a fetched device document is reused (default 5000)',
  WINMDM_UPSTREAM_TIMEOUT_MS: 'request timeout towards the upstream API (default 5000)',
  WINMDM_OUTBOX_INTERVAL_MS: 'how often queued reports are sent (default 1000)',
  WINMDM_OUTBOX_BACKOFF_MS: 'the first retry delay of a report that failed, doubling up to 5 min (default 1000)',
};

export interface UpstreamFlags {
  upstream?: string | undefined;
  'upstream-token'?: string | undefined;
  'upstream-ca'?: string | undefined;
}

/** A running sync agent: the policy source for the device endpoint, and the report outbox. */
export interface UpstreamMode {
  url: string;
  source: UpstreamPolicySource;
  /** The upstream circuit breaker's state (for `/readyz`). */
  readonly breakerState: 'closed' | 'open' | 'half-open';
  /** Stops the outbox after one last delivery attempt, and closes the upstream client. */
  stop(): Promise<void>;
}

/**
 * Sync agent mode (`--upstream <url> --upstream-token <token>`, or WINMDM_UPSTREAM_URL and
 * WINMDM_UPSTREAM_TOKEN): the device endpoint takes desired state from an existing MDM API and
 * reports back through a durable outbox. Returns undefined when no upstream is configured.
 */
export function startUpstreamMode(flags: UpstreamFlags, io: Io, store: Store, logger: Logger, metrics?: Metrics): UpstreamMode | undefined {
  const url = flags.upstream ?? io.env['WINMDM_UPSTREAM_URL'];
  if (!url) return undefined;
  const token = flags['upstream-token'] ?? io.env['WINMDM_UPSTREAM_TOKEN'];
  if (!token) throw new CliError('ERR_CLI_USAGE', '--upstream needs --upstream-token (or WINMDM_UPSTREAM_TOKEN)');
  const caPath = flags['upstream-ca'] ?? io.env['WINMDM_UPSTREAM_CA'];
  let ca: string | undefined;
  if (caPath) {
    try {
      ca = readFileSync(resolve(io.cwd, caPath), 'utf8');
    } catch (error) {
      throw new CliError('ERR_CLI_INPUT', `cannot read --upstream-ca ${caPath}: ${(error as Error).message}`, { cause: error });
    }
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError('ERR_CLI_USAGE', `--upstream is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new CliError('ERR_CLI_USAGE', `--upstream must be http(s): ${url}`);
  const log = logger.child({ component: 'sync-agent' });
  if (parsed.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) {
    log.warn({ url }, 'the upstream API is reached over plain HTTP: tokens and device data travel unencrypted');
  }
  const client = new UpstreamClient({
    url,
    token,
    ...(ca ? { ca } : {}),
    ...(io.env['WINMDM_UPSTREAM_CACHE_TTL_MS'] ? { cacheTtlMs: Number(io.env['WINMDM_UPSTREAM_CACHE_TTL_MS']) } : {}),
    ...(io.env['WINMDM_UPSTREAM_TIMEOUT_MS'] ? { requestTimeoutMs: Number(io.env['WINMDM_UPSTREAM_TIMEOUT_MS']) } : {}),
    ...(metrics ? { metrics } : {}),
  });
  const source = new UpstreamPolicySource(client, store, log, metrics);
  const outbox = new OutboxWorker({
    store,
    client,
    logger: log,
    ...(io.env['WINMDM_OUTBOX_INTERVAL_MS'] ? { intervalMs: Number(io.env['WINMDM_OUTBOX_INTERVAL_MS']) } : {}),
    ...(io.env['WINMDM_OUTBOX_BACKOFF_MS'] ? { backoffMs: Number(io.env['WINMDM_OUTBOX_BACKOFF_MS']) } : {}),
    ...(metrics ? { metrics } : {}),
  });
  outbox.start();
  return {
    url,
    source,
    get breakerState() {
      return client.breakerState;
    },
    stop: async () => {
      await outbox.stop();
      await outbox.drain();
      await client.close();
    },
  };
}

import { rootCertificates } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { UpstreamError } from '../ServerError.js';
import { CircuitBreaker } from './CircuitBreaker.js';
import type { Metrics } from '../metrics/Metrics.js';

/** Options of {@link UpstreamClient}. */
export interface UpstreamClientOptions {
  /** The upstream API's base URL (`https://mdm.example.com/api`); paths are appended to it. */
  url: string;
  token: string;
  /** PEM of a private CA to trust in addition to the system's (e.g. another winmdm's local CA). */
  ca?: string;
  connectTimeoutMs?: number;
  /** Time to the response headers, and between body chunks. */
  requestTimeoutMs?: number;
  /** Attempts of an idempotent request (GET) before giving up (default 3). */
  attempts?: number;
  /** First retry delay; doubled for each further attempt (default 100 ms). */
  backoffMs?: number;
  /** How long a fetched document is reused without asking upstream again (default 5 s). */
  cacheTtlMs?: number;
  connections?: number;
  breaker?: CircuitBreaker;
  /** Exposes the breaker's state as `winmdm_upstream_breaker_state`. */
  metrics?: Metrics;
  /** A dispatcher to use instead of the pool (undici MockAgent in tests). */
  dispatcher?: Dispatcher;
  now?: () => number;
}

/** The upstream's envelope `{status:false,error:{code,message}}` or a transport failure. */
export interface UpstreamFailure {
  reason: string;
  status?: number;
  envelopeCode?: number;
}

/** undici's timeout errors; any other transport failure counts as `connect`. */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

interface CacheEntry {
  etag: string | undefined;
  body: unknown;
  fetchedAt: number;
}

/**
 * The sync agent's HTTP client for an upstream MDM API, over one pooled undici client:
 * keep-alive, connect and request timeouts, retries with exponential backoff for idempotent reads,
 * a circuit breaker, and a document cache — within a short TTL a document costs no request, after
 * it one conditional request (`If-None-Match`) that an unchanged document answers with 304.
 */
export class UpstreamClient {
  readonly url: URL;
  readonly #token: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #ttlMs: number;
  readonly #requestTimeoutMs: number;
  readonly #breaker: CircuitBreaker;
  readonly #now: () => number;
  readonly #cache = new Map<string, CacheEntry>();
  /** Requests actually sent (not answered from the cache): what the tests and metrics count. */
  requests = 0;

  constructor(options: UpstreamClientOptions) {
    this.url = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    this.#token = options.token;
    this.#attempts = options.attempts ?? 3;
    this.#backoffMs = options.backoffMs ?? 100;
    this.#ttlMs = options.cacheTtlMs ?? 5_000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.#breaker = options.breaker ?? new CircuitBreaker();
    this.#now = options.now ?? Date.now;
    options.metrics?.observeBreaker(() => this.#breaker.state);
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
      this.#ownsDispatcher = false;
    } else {
      this.#dispatcher = new Pool(this.url.origin, {
        connections: options.connections ?? 16,
        keepAliveTimeout: 30_000,
        connectTimeout: options.connectTimeoutMs ?? 3_000,
        headersTimeout: this.#requestTimeoutMs,
        bodyTimeout: this.#requestTimeoutMs,
        connect: options.ca ? { ca: [...rootCertificates, options.ca] } : {},
      });
      this.#ownsDispatcher = true;
    }
  }

  /** The circuit breaker's state, for logs and health. */
  get breakerState(): CircuitBreaker['state'] {
    return this.#breaker.state;
  }

  #path(path: string): string {
    return new URL(path.replace(/^\//, ''), this.url).pathname + (path.includes('?') ? `?${path.split('?')[1]}` : '');
  }

  async #once(method: 'GET' | 'POST', path: string, body: string | undefined, etag: string | undefined) {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (etag) headers['if-none-match'] = etag;
    this.requests++;
    const response = await this.#dispatcher.request({
      origin: this.url.origin,
      method,
      path: this.#path(path),
      headers,
      ...(body !== undefined ? { body } : {}),
      headersTimeout: this.#requestTimeoutMs,
      bodyTimeout: this.#requestTimeoutMs,
    });
    const text = await response.body.text();
    const responseEtag = response.headers['etag'];
    return { status: response.statusCode, text, etag: typeof responseEtag === 'string' ? responseEtag : undefined };
  }

  /**
   * Sends one request through the breaker, retrying idempotent ones on transport errors and 5xx.
   * Resolves to the parsed JSON (the envelope's `data` for `status: true`) or throws an
   * {@link UpstreamError} carrying the HTTP status and the envelope's code.
   */
  async #request(method: 'GET' | 'POST', path: string, body?: unknown, cached?: CacheEntry): Promise<{ data: unknown; etag?: string; notModified: boolean }> {
    if (!this.#breaker.allow()) throw new UpstreamError(`upstream ${this.url.origin} is failing: circuit open`, { kind: 'circuit_open' });
    const attempts = method === 'GET' ? this.#attempts : 1;
    let last: UpstreamError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(this.#backoffMs * 2 ** (attempt - 2));
      let r: { status: number; text: string; etag: string | undefined };
      try {
        r = await this.#once(method, path, body === undefined ? undefined : JSON.stringify(body), cached?.etag);
      } catch (error) {
        const reason = error instanceof undiciErrors.UndiciError ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
        const code = (error as { code?: unknown }).code;
        const kind = typeof code === 'string' && TIMEOUT_CODES.has(code) ? 'timeout' : 'connect';
        last = new UpstreamError(`upstream ${method} ${path} failed: ${reason}`, { kind, cause: error });
        continue;
      }
      if (r.status === 304 && cached) {
        this.#breaker.success();
        return { data: cached.body, ...(cached.etag ? { etag: cached.etag } : {}), notModified: true };
      }
      let envelope: { status?: unknown; data?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
      try {
        envelope = JSON.parse(r.text) as typeof envelope;
      } catch (error) {
        last = new UpstreamError(`upstream answered ${method} ${path} with ${r.status} and a body that is not JSON`, { kind: 'not_json', status: r.status, cause: error });
        if (r.status >= 500) continue;
        break; // nonsense, not an outage that a retry would fix
      }
      if (r.status >= 200 && r.status < 300 && envelope?.status === true) {
        this.#breaker.success();
        return { data: envelope.data, ...(r.etag ? { etag: r.etag } : {}), notModified: false };
      }
      const code = typeof envelope?.error?.code === 'number' ? envelope.error.code : undefined;
      const message = typeof envelope?.error?.message === 'string' ? envelope.error.message : `HTTP ${r.status}`;
      last = new UpstreamError(`upstream answered ${method} ${path} with ${r.status}: ${message}`, {
        kind: r.status >= 500 ? 'http_5xx' : code !== undefined ? 'envelope' : 'http_4xx',
        status: r.status,
        ...(code !== undefined ? { envelopeCode: code } : {}),
      });
      if (r.status < 500 && code !== undefined) {
        // An answer in the API's own terms (not found, no token, billing plan): not an outage.
        this.#breaker.success();
        throw last;
      }
      if (r.status < 500) break;
    }
    this.#breaker.failure();
    throw last ?? new UpstreamError(`upstream ${method} ${path} failed`, { kind: 'connect' });
  }

  /** A GET through the cache: fresh within the TTL, then revalidated with `If-None-Match`. */
  async get(path: string): Promise<unknown> {
    const cached = this.#cache.get(path);
    if (cached && this.#now() - cached.fetchedAt < this.#ttlMs) return cached.body;
    const result = await this.#request('GET', path, undefined, cached);
    this.#cache.set(path, { etag: result.etag, body: result.data, fetchedAt: this.#now() });
    return result.data;
  }

  /** Forgets a cached document (after a 3001, say). */
  forget(path: string): void {
    this.#cache.delete(path);
  }

  /** A POST (never retried here: the outbox retries reports with their own schedule). */
  async post(path: string, body: unknown): Promise<unknown> {
    return (await this.#request('POST', path, body)).data;
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }
}

import { randomBytes } from 'node:crypto';
import { Pool, type Dispatcher } from 'undici';
import { SimulatorNetworkError } from './DeviceSimError.js';

/** Client certificate and trust for HTTPS (PEM strings or buffers, as `node:tls` takes them). */
export interface SimulatorTlsOptions {
  /** The device's client certificate (mutual TLS: this is who the server thinks the device is). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** CA certificates that sign the server's certificate (e.g. the local CA of `winmdm serve`). */
  ca?: string | Buffer | readonly (string | Buffer)[];
  /** Default true; false accepts any server certificate (never against a real server). */
  rejectUnauthorized?: boolean;
  /** The TLS SNI name, when the URL's host is an address. */
  servername?: string;
}

/** How a simulated device reaches the server: shared by {@link DeviceSimulator} and {@link LeanDevice}. */
export interface TransportOptions {
  /** The server's OMA-DM endpoint, e.g. `https://mdm.example.com/ManagementServer/MDM.svc`. */
  url: string | URL;
  /** Client certificate and trust for an `https:` URL (ignored with `dispatcher`, which has its own). */
  tls?: SimulatorTlsOptions;
  /** A shared undici dispatcher (Agent, Pool, mock); the device never closes it. */
  dispatcher?: Dispatcher;
  /**
   * `keep-alive` (default): one connection pool for the device's lifetime, reused across
   * sessions. `per-session`: a new pool per session, closed when it ends, so every session pays a
   * new TCP and TLS handshake (for the mutual-TLS handshake benchmark). Ignored with `dispatcher`.
   */
  connection?: 'keep-alive' | 'per-session';
  /** Default `MSFT OMA DM Client/1.2.0.1`, Windows' own. */
  userAgent?: string;
  /** The query string added to the URL (when it has none). Default `mode=Maintenance&Platform=WoA`, like Windows; false for none. */
  query?: string | false;
  /** The `Ms-Cv` correlation vector header; default a random base per device, `{base}.0.0.0`; false for none. */
  msCv?: string | false;
  /** More request headers (lower-case names override the defaults). */
  headers?: Readonly<Record<string, string>>;
  /** Milliseconds to wait for response headers, and between body chunks. Default 30,000. */
  timeout?: number;
}

/** The server's answer to one POST. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export const CONTENT_TYPE = 'application/vnd.syncml.dm+xml';
const DEFAULT_QUERY = 'mode=Maintenance&Platform=WoA';

/**
 * The HTTP side of a simulated Windows device: the built-in client's headers and query string,
 * one connection like the Windows client (kept alive, or new per session), client certificates.
 * Internal to the package.
 */
export class DeviceTransport {
  /** The SyncHdr Target of the device's messages: Windows names the endpoint without its query string. */
  readonly serverUri: string;
  readonly #origin: string;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  readonly #shared: Dispatcher | undefined;
  readonly #perSession: boolean;
  readonly #poolOptions: Pool.Options;
  readonly #timeout: number;
  #pool: Pool | undefined;

  constructor(options: TransportOptions, name: string) {
    const url = new URL(options.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`${name}: url must be http: or https:, got ${url.protocol}`);
    }
    if (options.timeout !== undefined && (!Number.isSafeInteger(options.timeout) || options.timeout < 1)) {
      throw new RangeError(`${name}: timeout must be a positive integer, got ${String(options.timeout)}`);
    }
    this.#origin = url.origin;
    this.serverUri = `${url.origin}${url.pathname}`;
    const query = options.query ?? DEFAULT_QUERY;
    this.#path = url.search !== '' ? `${url.pathname}${url.search}` : query === false || query === '' ? url.pathname : `${url.pathname}?${query}`;
    const msCv = options.msCv ?? `${randomBytes(12).toString('base64')}.0.0.0`;
    this.#headers = {
      accept: 'application/vnd.syncml.dm+xml, application/vnd.syncml.dm+wbxml, application/octet-stream',
      'accept-charset': 'UTF-8',
      'client-request-id': '0',
      'content-type': CONTENT_TYPE,
      ...(msCv === false ? {} : { 'ms-cv': msCv }),
      'user-agent': options.userAgent ?? 'MSFT OMA DM Client/1.2.0.1',
      ...options.headers,
    };
    this.#shared = options.dispatcher;
    this.#perSession = options.connection === 'per-session';
    // One connection, like the Windows client: a device's requests are sequential, and undici
    // would otherwise open a second connection when a request is sent the moment the last ended.
    this.#poolOptions = options.tls === undefined ? { connections: 1 } : { connections: 1, connect: tlsConnectOptions(options.tls) };
    this.#timeout = options.timeout ?? 30_000;
  }

  /** The dispatcher for one session, and what to call when the session is over. */
  session(): { dispatcher: Dispatcher; end(): Promise<void> } {
    if (this.#shared === undefined && this.#perSession) {
      const pool = new Pool(this.#origin, this.#poolOptions);
      return { dispatcher: pool, end: () => pool.close() };
    }
    return { dispatcher: this.#shared ?? this.#keepAlivePool(), end: () => Promise.resolve() };
  }

  /** The dispatcher for a request outside a session ({@link DeviceSimulator.sendRaw}). */
  get dispatcher(): Dispatcher {
    return this.#shared ?? this.#keepAlivePool();
  }

  /**
   * POSTs `body` with the device's headers and returns the answer whatever its status.
   *
   * @throws {SimulatorNetworkError} (`ERR_SIM_NETWORK`) when the request got no answer.
   */
  async post(
    dispatcher: Dispatcher,
    body: string | Uint8Array,
    contentType = CONTENT_TYPE,
    extra?: Readonly<Record<string, string>>,
  ): Promise<RawResponse> {
    const headers = contentType === CONTENT_TYPE && extra === undefined ? this.#headers : { ...this.#headers, 'content-type': contentType, ...extra };
    try {
      const response = await dispatcher.request({
        origin: this.#origin,
        path: this.#path,
        method: 'POST',
        headers,
        body,
        headersTimeout: this.#timeout,
        bodyTimeout: this.#timeout,
      });
      const text = await response.body.text();
      return { status: response.statusCode, headers: response.headers, body: text };
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new SimulatorNetworkError(`POST ${this.#origin}${this.#path} failed: ${reason}`, { cause });
    }
  }

  /** Closes the device's own connections (a shared `dispatcher` stays open). */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool !== undefined) await pool.close();
  }

  #keepAlivePool(): Pool {
    this.#pool ??= new Pool(this.#origin, this.#poolOptions);
    return this.#pool;
  }
}

/** The `node:tls` options the device passes to undici's connector. */
interface TlsConnect {
  cert?: string | Buffer;
  key?: string | Buffer;
  ca?: string | Buffer | (string | Buffer)[];
  rejectUnauthorized?: boolean;
  servername?: string;
}

export function tlsConnectOptions(tls: SimulatorTlsOptions): TlsConnect {
  const connect: TlsConnect = {};
  if (tls.cert !== undefined) connect.cert = tls.cert;
  if (tls.key !== undefined) connect.key = tls.key;
  if (tls.ca !== undefined) connect.ca = typeof tls.ca === 'string' || Buffer.isBuffer(tls.ca) ? tls.ca : [...(tls.ca as readonly (string | Buffer)[])];
  if (tls.rejectUnauthorized !== undefined) connect.rejectUnauthorized = tls.rejectUnauthorized;
  if (tls.servername !== undefined) connect.servername = tls.servername;
  return connect;
}

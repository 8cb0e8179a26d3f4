import { randomBytes, randomInt } from 'node:crypto';
import { Pool, type Dispatcher } from 'undici';
import { DEFAULT_MAX_BYTES, parseMessage, serializeMessage, type SyncMLMessage } from '@winmdm/syncml';
import { DeviceModel } from './DeviceModel.js';
import { DeviceSession } from './DeviceSession.js';
import {
  SimulatorBusyError,
  SimulatorHttpError,
  SimulatorNetworkError,
  SimulatorProtocolError,
  SimulatorSessionLimitError,
} from './DeviceSimError.js';
import type { SessionSummary } from './SessionSummary.js';

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

/** Options of {@link DeviceSimulator}. */
export interface DeviceSimulatorOptions {
  /** The server's OMA-DM endpoint, e.g. `https://mdm.example.com/ManagementServer/MDM.svc`. */
  url: string | URL;
  /** The device's id: the SyncHdr Source of its messages. */
  winId: string;
  /** The device's management tree; default a fresh {@link DeviceModel} with `devId: winId`. */
  deviceModel?: DeviceModel;
  /** Client certificate and trust for an `https:` URL (ignored with `dispatcher`, which has its own). */
  tls?: SimulatorTlsOptions;
  /** A shared undici dispatcher (Agent, Pool, mock); the simulator never closes it. */
  dispatcher?: Dispatcher;
  /**
   * `keep-alive` (default): one connection pool for the simulator's lifetime, reused across
   * sessions. `per-session`: a new pool per session, closed when it ends, so every session pays a
   * new TCP and TLS handshake (for the mutual-TLS handshake benchmark). Ignored with `dispatcher`.
   */
  connection?: 'keep-alive' | 'per-session';
  /** MaxMsgSize announced in the first message's header Meta; absent like Windows, which does not send it. */
  maxMsgSize?: number;
  /** Default `MSFT OMA DM Client/1.2.0.1`, Windows' own. */
  userAgent?: string;
  /** The query string added to the URL (when it has none). Default `mode=Maintenance&Platform=WoA`, like Windows; false for none. */
  query?: string | false;
  /** The `Ms-Cv` correlation vector header; default a random base per simulator, `{base}.0.0.0`; false for none. */
  msCv?: string | false;
  /** More request headers (lower-case names override the defaults). */
  headers?: Readonly<Record<string, string>>;
  /** Device messages allowed per session before it fails with `ERR_SIM_SESSION_LIMIT`. Default 50. */
  maxMessages?: number;
  /** Largest server message accepted, in bytes. Default the larger of 1 MiB and `maxMsgSize`. */
  maxResponseBytes?: number;
  /** Milliseconds to wait for response headers, and between body chunks. Default 30,000. */
  timeout?: number;
  /**
   * The SessionID of the first session; later sessions count up from it, like Windows' counter.
   * Default a random start below 1,000,000, so that two simulators of one device (two runs of
   * `winmdm simulate`) do not both start at 1.
   */
  firstSessionId?: number;
}

/** Options of {@link DeviceSimulator.runSession}. */
export interface RunSessionOptions {
  /** Send the user's unenrollment request (Alert 1226 `com.microsoft:mdm.unenrollment.userrequest`) in the first message. */
  unenroll?: boolean;
  /** The LoginStatus alert's Data. Default `user`. */
  loginStatus?: string;
}

/** Options of {@link DeviceSimulator.sendRaw}. */
export interface SendRawOptions {
  /** Default `application/vnd.syncml.dm+xml`. */
  contentType?: string;
  /** More request headers. */
  headers?: Readonly<Record<string, string>>;
}

/** The server's answer to {@link DeviceSimulator.sendRaw}. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const CONTENT_TYPE = 'application/vnd.syncml.dm+xml';
const DEFAULT_QUERY = 'mode=Maintenance&Platform=WoA';

/**
 * A simulated Windows device that talks OMA-DM to a server over undici: the built-in client's
 * headers, query string and first message, a {@link DeviceModel} that answers commands like
 * Windows, client certificates, large objects both ways. Used by tests, by `winmdm simulate`, and
 * as the benchmark's load generator (many simulators in one process: no logging, no pretty-printing,
 * each message serialized once and parsed once).
 *
 * Sessions are numbered n, n+1, ... per simulator (decimal, like Windows; n is random unless
 * `firstSessionId` is given); MsgIDs 1, 2, ... per session.
 *
 * @example
 * ```ts
 * const device = new DeviceSimulator({
 *   url: 'https://localhost:8443/ManagementServer/MDM.svc',
 *   winId: 'WIN-1',
 *   tls: { cert: issued.certPem, key: issued.keyPem, ca: caPem },
 * });
 * const summary = await device.runSession();
 * console.log(formatSessionSummary(summary));
 * await device.close();
 * ```
 */
export class DeviceSimulator {
  /** The device's id (SyncHdr Source). */
  readonly winId: string;
  /** The device's management tree; inspect it after a session to see what the server changed. */
  readonly model: DeviceModel;
  readonly #origin: string;
  readonly #path: string;
  readonly #serverUri: string;
  readonly #headers: Record<string, string>;
  readonly #shared: Dispatcher | undefined;
  readonly #perSession: boolean;
  readonly #poolOptions: Pool.Options;
  readonly #maxMsgSize: number | undefined;
  readonly #maxMessages: number;
  readonly #maxResponseBytes: number;
  readonly #timeout: number;
  #pool: Pool | undefined;
  readonly #firstSessionId: number;
  #sessions = 0;
  #busy = false;

  constructor(options: DeviceSimulatorOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`DeviceSimulator: url must be http: or https:, got ${url.protocol}`);
    }
    if (options.winId === '') throw new TypeError('DeviceSimulator: winId must not be empty');
    positive(options.maxMsgSize, 'maxMsgSize');
    positive(options.maxMessages, 'maxMessages');
    positive(options.maxResponseBytes, 'maxResponseBytes');
    positive(options.timeout, 'timeout');
    positive(options.firstSessionId, 'firstSessionId');
    this.winId = options.winId;
    this.model = options.deviceModel ?? new DeviceModel({ devId: options.winId });
    this.#origin = url.origin;
    // Windows names the endpoint without its query string in the SyncHdr Target.
    this.#serverUri = `${url.origin}${url.pathname}`;
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
    this.#maxMsgSize = options.maxMsgSize;
    this.#maxMessages = options.maxMessages ?? 50;
    this.#maxResponseBytes = options.maxResponseBytes ?? Math.max(DEFAULT_MAX_BYTES, options.maxMsgSize ?? 0);
    this.#timeout = options.timeout ?? 30_000;
    this.#firstSessionId = options.firstSessionId ?? randomInt(1, 1_000_000);
  }

  /** How many sessions this device has started. */
  get sessions(): number {
    return this.#sessions;
  }

  /** The SessionID of the last session started (undefined before the first). */
  get lastSessionId(): string | undefined {
    return this.#sessions === 0 ? undefined : String(this.#firstSessionId + this.#sessions - 1);
  }

  /**
   * Runs one OMA-DM session: sends the first message (Alert 1201, LoginStatus, DevInfo, pending
   * install reports, optionally the unenrollment request), then answers every server message that
   * carries commands, until the server sends only Status (or an empty answer).
   *
   * @throws {SimulatorHttpError} (`ERR_SIM_HTTP`) on an HTTP status other than 200, with status and body.
   * @throws {SimulatorProtocolError} (`ERR_SIM_PROTOCOL`) when an answer is not SyncML DM 1.2 or is for another session.
   * @throws {SimulatorNetworkError} (`ERR_SIM_NETWORK`) when the request got no answer (refused, TLS, timeout).
   * @throws {SimulatorSessionLimitError} (`ERR_SIM_SESSION_LIMIT`) when the server still sends commands after `maxMessages`.
   * @throws {SimulatorBusyError} (`ERR_SIM_BUSY`) when a session of this device is already running.
   */
  async runSession(options: RunSessionOptions = {}): Promise<SessionSummary> {
    if (this.#busy) throw new SimulatorBusyError(`Device ${this.winId} is already in session ${this.lastSessionId ?? ''}`);
    this.#busy = true;
    const sessionId = String(this.#firstSessionId + this.#sessions++);
    const session = new DeviceSession(this.model, {
      sessionId,
      winId: this.winId,
      serverUri: this.#serverUri,
      ...(this.#maxMsgSize === undefined ? {} : { maxMsgSize: this.#maxMsgSize }),
      loginStatus: options.loginStatus ?? 'user',
      unenroll: options.unenroll === true,
    });
    const sessionPool = this.#shared === undefined && this.#perSession ? new Pool(this.#origin, this.#poolOptions) : undefined;
    const dispatcher = this.#shared ?? sessionPool ?? this.#keepAlivePool();
    try {
      let outgoing: SyncMLMessage | undefined = session.firstMessage();
      while (outgoing !== undefined) {
        const response = await this.#post(dispatcher, serializeMessage(outgoing), CONTENT_TYPE, undefined);
        if (response.status !== 200) throw new SimulatorHttpError(response.status, response.body);
        if (response.body.trim() === '') {
          if (session.hasPending) {
            throw new SimulatorProtocolError(`The server answered message ${outgoing.header.msgId} with an empty body while the device had more to send`);
          }
          session.endByEmptyAnswer();
          break;
        }
        let message: SyncMLMessage;
        try {
          message = parseMessage(response.body, { maxBytes: this.#maxResponseBytes });
        } catch (cause) {
          const reason = cause instanceof Error ? cause.message : String(cause);
          throw new SimulatorProtocolError(`The server's answer to message ${outgoing.header.msgId} is not SyncML DM 1.2: ${reason}`, { cause });
        }
        if (message.header.sessionId !== sessionId) {
          throw new SimulatorProtocolError(`The server answered in session "${message.header.sessionId}"; the device is in session "${sessionId}"`);
        }
        outgoing = session.receive(message);
        if (outgoing !== undefined && session.messagesSent > this.#maxMessages) {
          throw new SimulatorSessionLimitError(
            `The server was still sending commands after ${this.#maxMessages} messages of session ${sessionId}`,
          );
        }
      }
      return session.summary();
    } finally {
      this.#busy = false;
      if (sessionPool !== undefined) await sessionPool.close();
    }
  }

  /**
   * POSTs `body` to the endpoint with the device's headers, as it is, and returns the answer
   * whatever its status: for hostile-input tests of a server (not XML, a DTD, oversized, ...).
   *
   * @throws {SimulatorNetworkError} (`ERR_SIM_NETWORK`) when the request got no answer.
   */
  async sendRaw(body: string | Uint8Array, options: SendRawOptions = {}): Promise<RawResponse> {
    return this.#post(this.#shared ?? this.#keepAlivePool(), body, options.contentType ?? CONTENT_TYPE, options.headers);
  }

  /** Closes the simulator's own connections (a shared `dispatcher` stays open). */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool !== undefined) await pool.close();
  }

  #keepAlivePool(): Pool {
    this.#pool ??= new Pool(this.#origin, this.#poolOptions);
    return this.#pool;
  }

  async #post(
    dispatcher: Dispatcher,
    body: string | Uint8Array,
    contentType: string,
    extra: Readonly<Record<string, string>> | undefined,
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
}

function positive(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
    throw new RangeError(`DeviceSimulator: ${name} must be a positive integer, got ${String(value)}`);
  }
}

/** The `node:tls` options the simulator passes to undici's connector. */
interface TlsConnect {
  cert?: string | Buffer;
  key?: string | Buffer;
  ca?: string | Buffer | (string | Buffer)[];
  rejectUnauthorized?: boolean;
  servername?: string;
}

function tlsConnectOptions(tls: SimulatorTlsOptions): TlsConnect {
  const connect: TlsConnect = {};
  if (tls.cert !== undefined) connect.cert = tls.cert;
  if (tls.key !== undefined) connect.key = tls.key;
  if (tls.ca !== undefined) connect.ca = typeof tls.ca === 'string' || Buffer.isBuffer(tls.ca) ? tls.ca : [...(tls.ca as readonly (string | Buffer)[])];
  if (tls.rejectUnauthorized !== undefined) connect.rejectUnauthorized = tls.rejectUnauthorized;
  if (tls.servername !== undefined) connect.servername = tls.servername;
  return connect;
}

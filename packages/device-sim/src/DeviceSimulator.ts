import { randomInt } from 'node:crypto';
import { DEFAULT_MAX_BYTES, parseMessage, serializeMessage, type SyncMLMessage } from '@winmdm/syncml';
import { DeviceModel } from './DeviceModel.js';
import { DeviceSession } from './DeviceSession.js';
import { SimulatorBusyError, SimulatorHttpError, SimulatorProtocolError, SimulatorSessionLimitError } from './DeviceSimError.js';
import { DeviceTransport, type RawResponse, type TransportOptions } from './DeviceTransport.js';
import type { SessionSummary } from './SessionSummary.js';

export type { RawResponse, SimulatorTlsOptions } from './DeviceTransport.js';

/** Options of {@link DeviceSimulator}. */
export interface DeviceSimulatorOptions extends TransportOptions {
  /** The device's id: the SyncHdr Source of its messages. */
  winId: string;
  /** The device's management tree; default a fresh {@link DeviceModel} with `devId: winId`. */
  deviceModel?: DeviceModel;
  /** MaxMsgSize announced in the first message's header Meta; absent like Windows, which does not send it. */
  maxMsgSize?: number;
  /** Device messages allowed per session before it fails with `ERR_SIM_SESSION_LIMIT`. Default 50. */
  maxMessages?: number;
  /** Largest server message accepted, in bytes. Default the larger of 1 MiB and `maxMsgSize`. */
  maxResponseBytes?: number;
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
  readonly #transport: DeviceTransport;
  readonly #maxMsgSize: number | undefined;
  readonly #maxMessages: number;
  readonly #maxResponseBytes: number;
  readonly #firstSessionId: number;
  #sessions = 0;
  #busy = false;

  constructor(options: DeviceSimulatorOptions) {
    this.#transport = new DeviceTransport(options, 'DeviceSimulator');
    if (options.winId === '') throw new TypeError('DeviceSimulator: winId must not be empty');
    positive(options.maxMsgSize, 'maxMsgSize');
    positive(options.maxMessages, 'maxMessages');
    positive(options.maxResponseBytes, 'maxResponseBytes');
    positive(options.firstSessionId, 'firstSessionId');
    this.winId = options.winId;
    this.model = options.deviceModel ?? new DeviceModel({ devId: options.winId });
    this.#maxMsgSize = options.maxMsgSize;
    this.#maxMessages = options.maxMessages ?? 50;
    this.#maxResponseBytes = options.maxResponseBytes ?? Math.max(DEFAULT_MAX_BYTES, options.maxMsgSize ?? 0);
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
      serverUri: this.#transport.serverUri,
      ...(this.#maxMsgSize === undefined ? {} : { maxMsgSize: this.#maxMsgSize }),
      loginStatus: options.loginStatus ?? 'user',
      unenroll: options.unenroll === true,
    });
    const connection = this.#transport.session();
    try {
      let outgoing: SyncMLMessage | undefined = session.firstMessage();
      while (outgoing !== undefined) {
        const response = await this.#transport.post(connection.dispatcher, serializeMessage(outgoing));
        if (response.status !== 200) throw SimulatorHttpError.of(response);
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
      await connection.end();
    }
  }

  /**
   * POSTs `body` to the endpoint with the device's headers, as it is, and returns the answer
   * whatever its status: for hostile-input tests of a server (not XML, a DTD, oversized, ...).
   *
   * @throws {SimulatorNetworkError} (`ERR_SIM_NETWORK`) when the request got no answer.
   */
  async sendRaw(body: string | Uint8Array, options: SendRawOptions = {}): Promise<RawResponse> {
    return this.#transport.post(this.#transport.dispatcher, body, options.contentType, options.headers);
  }

  /** Closes the simulator's own connections (a shared `dispatcher` stays open). */
  close(): Promise<void> {
    return this.#transport.close();
  }
}

function positive(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
    throw new RangeError(`DeviceSimulator: ${name} must be a positive integer, got ${String(value)}`);
  }
}

/**
 * Every failure code the simulator can report. A code names one kind of failure and never changes
 * meaning, so a test or the benchmark can branch on it without reading messages.
 */
export type DeviceSimErrorCode =
  | 'ERR_SIM_HTTP'
  | 'ERR_SIM_PROTOCOL'
  | 'ERR_SIM_NETWORK'
  | 'ERR_SIM_SESSION_LIMIT'
  | 'ERR_SIM_BUSY'
  | 'ERR_SIM_LEAN_UNSUPPORTED'
  | 'ERR_SIM_ENROLLMENT';

/** Options every error of this package accepts. */
export interface DeviceSimErrorOptions {
  /** The underlying failure (undici's network error, the codec's parse error). */
  cause?: unknown;
}

/**
 * The base class of every error `@winmdm/device-sim` throws. Catch this one class to know the
 * session failed because of the server or the network (not a bug in the caller), then branch on
 * {@link DeviceSimError.code}.
 *
 * @example
 * ```ts
 * try {
 *   await simulator.runSession();
 * } catch (error) {
 *   if (error instanceof DeviceSimError && error.code === 'ERR_SIM_HTTP') console.error(error.status);
 *   else throw error;
 * }
 * ```
 */
export class DeviceSimError extends Error {
  /** The kind of failure; stable across releases. */
  readonly code: DeviceSimErrorCode;

  constructor(code: DeviceSimErrorCode, message: string, options: DeviceSimErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * The server answered a SyncML POST with an HTTP status other than 200. The session ends there,
 * like on a real device; the status and the body are kept for the test to inspect.
 */
export class SimulatorHttpError extends DeviceSimError {
  static readonly code = 'ERR_SIM_HTTP';
  /** The HTTP status the server answered. */
  readonly status: number;
  /** The response body as text (often a short error document). */
  readonly body: string;
  /**
   * Why the server refused the device, when it says so (winmdm's `Winmdm-Refusal` header on a 401
   * or 403: `no-client-certificate`, `certificate-not-trusted`, `unknown-device`, `source-mismatch`).
   */
  readonly refusal: string | undefined;

  constructor(status: number, body: string, options: DeviceSimErrorOptions & { refusal?: string } = {}) {
    super(
      SimulatorHttpError.code,
      `The server answered HTTP ${status} instead of 200${options.refusal === undefined ? '' : ` (refusal: ${options.refusal})`}`,
      options,
    );
    this.status = status;
    this.body = body;
    this.refusal = options.refusal;
  }

  /** The error for an answer other than 200, with the server's refusal reason when it gives one. */
  static of(response: { status: number; body: string; headers: Record<string, string | string[] | undefined> }): SimulatorHttpError {
    const refusal = response.headers['winmdm-refusal'];
    return new SimulatorHttpError(response.status, response.body, typeof refusal === 'string' ? { refusal } : {});
  }
}

/**
 * The server's answer is not usable SyncML: it does not parse, belongs to another session, or asks
 * for something the device cannot do (a MaxMsgSize too small for any message).
 */
export class SimulatorProtocolError extends DeviceSimError {
  static readonly code = 'ERR_SIM_PROTOCOL';
  constructor(message: string, options?: DeviceSimErrorOptions) {
    super(SimulatorProtocolError.code, message, options);
  }
}

/** The request never got an HTTP answer: connection refused, TLS handshake failed, timeout. */
export class SimulatorNetworkError extends DeviceSimError {
  static readonly code = 'ERR_SIM_NETWORK';
  constructor(message: string, options?: DeviceSimErrorOptions) {
    super(SimulatorNetworkError.code, message, options);
  }
}

/**
 * The server kept sending commands past the simulator's message limit: a server that never ends
 * a session would otherwise keep a load test busy forever.
 */
export class SimulatorSessionLimitError extends DeviceSimError {
  static readonly code = 'ERR_SIM_SESSION_LIMIT';
  constructor(message: string, options?: DeviceSimErrorOptions) {
    super(SimulatorSessionLimitError.code, message, options);
  }
}

/** `runSession` was called while this simulated device was already in a session (a device runs one at a time). */
export class SimulatorBusyError extends DeviceSimError {
  static readonly code = 'ERR_SIM_BUSY';
  constructor(message: string, options?: DeviceSimErrorOptions) {
    super(SimulatorBusyError.code, message, options);
  }
}

/**
 * A {@link LeanDevice} received a command whose answer depends on what a device already holds
 * (`Add`, `Delete`, `Exec`, `Atomic`, a large object, ...): it refuses rather than answer wrongly.
 */
export class LeanDeviceUnsupportedError extends DeviceSimError {
  static readonly code = 'ERR_SIM_LEAN_UNSUPPORTED';
  constructor(message: string, options?: DeviceSimErrorOptions) {
    super(LeanDeviceUnsupportedError.code, message, options);
  }
}

/**
 * An enrollment step failed: the server answered a SOAP fault (its Subcode and reason are kept)
 * or something the enrollment client cannot use (no certificate in the provisioning document).
 */
export class SimulatorEnrollmentError extends DeviceSimError {
  static readonly code = 'ERR_SIM_ENROLLMENT';
  /** The HTTP status of the answer (0 when the answer was 200 but unusable). */
  readonly status: number;
  /** The fault's Subcode (`s:MessageFormat`, `a:InvalidSecurity`, ...), when there was one. */
  readonly subcode: string | undefined;
  constructor(message: string, details: { status: number; subcode?: string }, options?: DeviceSimErrorOptions) {
    super(SimulatorEnrollmentError.code, message, options);
    this.status = details.status;
    this.subcode = details.subcode;
  }
}

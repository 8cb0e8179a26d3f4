import { formatIssuePath } from '@winmdm/policy';
/** Every failure code of `@winmdm/server`. */
export type ServerErrorCode =
  | 'ERR_NO_AUTH_TOKEN'
  | 'ERR_PERMISSION_DENIED'
  | 'ERR_ENTITY_NOT_FOUND'
  | 'ERR_BILLING_PLAN'
  | 'ERR_INVALID_BODY'
  | 'ERR_CONFLICT'
  | 'ERR_IMPORT_INVALID'
  | 'ERR_UPSTREAM'
  | 'ERR_CSR_INVALID'
  | 'ERR_ENROLLMENT_REQUEST'
  | 'ERR_ENROLLMENT_AUTH'
  | 'ERR_ENROLLMENT_RATE_LIMITED';

/**
 * The base of the server's errors (jose-style): a stable `code` to branch on, the message for
 * people, the `cause` kept. API errors also carry the HTTP status and the numeric code of the
 * upstream error envelope `{status:false,error:{code,message}}`.
 */
export class ServerError extends Error {
  readonly code: ServerErrorCode;
  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A field path and what is wrong with it (zod-style), for 400 answers and import errors. */
export interface FieldIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

/** An error the management API answers with its envelope. */
export abstract class ApiError extends ServerError {
  abstract readonly status: number;
  abstract readonly envelopeCode: number;
  /** Extra members of the envelope's `error` object (e.g. the invalid fields). */
  details(): Record<string, unknown> {
    return {};
  }
  /** Extra HTTP headers of the answer (e.g. the `WWW-Authenticate` challenge of a 401). */
  headers(): Record<string, string> {
    return {};
  }
}

/** The protection space of the management API, the realm of its `WWW-Authenticate` challenge. */
export const API_REALM = 'winmdm-api';

/**
 * No `Authorization: Bearer` token, or one the store does not know (HTTP 401, 4002). The answer
 * challenges with `WWW-Authenticate: Bearer` (RFC 6750), with `error="invalid_token"` when a token
 * was presented, so that a generic HTTP client knows what to send.
 */
export class NoAuthTokenError extends ApiError {
  readonly status = 401;
  readonly envelopeCode = 4002;
  /** Whether the request carried a bearer token (one the store does not know). */
  readonly presented: boolean;
  constructor(options: { presented?: boolean } = {}) {
    super('ERR_NO_AUTH_TOKEN', 'No auth token');
    this.presented = options.presented === true;
  }
  override headers(): Record<string, string> {
    const invalid = this.presented ? ', error="invalid_token", error_description="unknown token"' : '';
    return { 'www-authenticate': `Bearer realm="${API_REALM}"${invalid}` };
  }
}

/** The token lacks the permission the endpoint needs (HTTP 403, 4003). */
export class PermissionDeniedError extends ApiError {
  readonly status = 403;
  readonly envelopeCode = 4003;
  readonly permission: string;
  constructor(permission: string) {
    super('ERR_PERMISSION_DENIED', `Permission required: ${permission}`);
    this.permission = permission;
  }
  override details(): Record<string, unknown> {
    return { permission: this.permission };
  }
}

/** A device, policy or user that does not exist in the caller's organization (HTTP 404, 3001). */
export class EntityNotFoundError extends ApiError {
  readonly status = 404;
  readonly envelopeCode = 3001;
  readonly entity: string;
  constructor(entity: string) {
    super('ERR_ENTITY_NOT_FOUND', 'Entity not found');
    this.entity = entity;
  }
  override details(): Record<string, unknown> {
    return { entity: this.entity };
  }
}

/** A feature outside the organization's billing plan (HTTP 403, 5050; the message is the upstream API's, verbatim). */
export class BillingPlanError extends ApiError {
  readonly status = 403;
  readonly envelopeCode = 5050;
  readonly feature: string;
  constructor(feature: string) {
    super('ERR_BILLING_PLAN', 'Feature not allowed for you billing plan');
    this.feature = feature;
  }
  override details(): Record<string, unknown> {
    return { feature: this.feature };
  }
}

/** A request body that fails validation (HTTP 400, 4000), with the paths of the invalid fields. */
export class InvalidBodyError extends ApiError {
  readonly status = 400;
  readonly envelopeCode = 4000;
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], message = 'Invalid request body') {
    super('ERR_INVALID_BODY', `${message}: ${issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
    this.issues = issues;
  }
  override details(): Record<string, unknown> {
    return { fields: this.issues };
  }
}

/** A bundle that cannot be imported; nothing was written. */
export class ImportInvalidError extends ServerError {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[]) {
    super('ERR_IMPORT_INVALID', `invalid bundle: ${issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`).join('; ')}`);
    this.issues = issues;
  }
}

/**
 * How an upstream call failed, for logs and `winmdm_upstream_errors_total{kind}`: the breaker
 * refused it, a timeout, no connection, a 5xx, another HTTP error, a body that is not JSON, an
 * error envelope, or a document that fails the schema.
 */
export type UpstreamFailureKind = 'circuit_open' | 'timeout' | 'connect' | 'http_5xx' | 'http_4xx' | 'not_json' | 'envelope' | 'schema';

/** An upstream MDM API that failed or answered nonsense (sync agent mode). */
export class UpstreamError extends ServerError {
  readonly kind: UpstreamFailureKind;
  readonly status: number | undefined;
  readonly envelopeCode: number | undefined;
  constructor(message: string, options: { kind: UpstreamFailureKind; status?: number; envelopeCode?: number; cause?: unknown }) {
    super('ERR_UPSTREAM', message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind;
    this.status = options.status;
    this.envelopeCode = options.envelopeCode;
  }
}

/**
 * How an enrollment failure is answered: the SOAP 1.2 fault's Code (`Sender` is the device's
 * fault, `Receiver` the server's), its Subcode as [MS-MDE2] names them, and the HTTP status (SOAP 1.2's HTTP
 * binding: 400 for `Sender`, 500 for `Receiver`; 413 and 429 where they say more).
 */
export interface SoapFaultShape {
  code: 'Sender' | 'Receiver';
  /** A qualified name: `s:MessageFormat`, `s:CertificateRequest`, `s:Authorization`, `a:InvalidSecurity`, ... */
  subcode: string;
  httpStatus: number;
}

/** A failure of the enrollment endpoints ([MS-MDE2]); answered with a SOAP fault, nothing stored. */
export abstract class EnrollmentError extends ServerError {
  abstract readonly fault: SoapFaultShape;
}

/** A certificate request (PKCS#10 or PKCS#7) that cannot be parsed, verified or accepted. */
export class CsrInvalidError extends EnrollmentError {
  readonly fault: SoapFaultShape = { code: 'Sender', subcode: 's:CertificateRequest', httpStatus: 400 };
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CSR_INVALID', message, options);
  }
}

/** A SOAP message that is not what the endpoint accepts: not XML, a DTD, the wrong Action, a missing element, too large. */
export class EnrollmentRequestError extends EnrollmentError {
  readonly fault: SoapFaultShape;
  constructor(message: string, options: { httpStatus?: number; cause?: unknown } = {}) {
    super('ERR_ENROLLMENT_REQUEST', message, options.cause === undefined ? undefined : { cause: options.cause });
    this.fault = { code: 'Sender', subcode: 's:MessageFormat', httpStatus: options.httpStatus ?? 400 };
  }
}

/**
 * Missing, wrong, expired or used-up credentials, a token of another organization than the
 * device's, or a replayed message (`a:InvalidSecurity`).
 */
export class EnrollmentAuthError extends EnrollmentError {
  readonly fault: SoapFaultShape = { code: 'Sender', subcode: 'a:InvalidSecurity', httpStatus: 400 };
  constructor(message: string) {
    super('ERR_ENROLLMENT_AUTH', message);
  }
}

/** Too many enrollment attempts from one source address (HTTP 429 with Retry-After). */
export class EnrollmentRateLimitedError extends EnrollmentError {
  readonly fault: SoapFaultShape = { code: 'Receiver', subcode: 's:EnrollmentServer', httpStatus: 429 };
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('ERR_ENROLLMENT_RATE_LIMITED', `too many enrollment attempts from this address; retry in ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

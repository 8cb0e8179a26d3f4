/**
 * The SyncML status codes Windows' OMA-DM client uses, as listed in Microsoft Learn, "OMA DM
 * protocol support" (fixtures/syncml/learn-oma-dm-status-codes.md), plus 213 from OMA-DM 1.2,
 * which the client returns for each chunk of a large object.
 *
 * @example
 * ```ts
 * if (statusCode(status) === StatusCodes.ALREADY_EXISTS) retryAsReplace(status.cmdRef);
 * ```
 */
export const StatusCodes = {
  /** The command completed successfully. */
  OK: 200,
  /** Accepted for processing: an asynchronous operation (e.g. an MSI install) was started. */
  ACCEPTED: 202,
  /** Authentication accepted (normally only for the SyncHdr). */
  AUTHENTICATION_ACCEPTED: 212,
  /** A chunk of a large object was accepted and buffered; send the next one (OMA-DM 1.2). */
  CHUNKED_ITEM_ACCEPTED: 213,
  /** The command succeeded, but no more commands will be processed in this session. */
  OPERATION_CANCELLED: 214,
  /** Not executed: the user cancelled the command. */
  NOT_EXECUTED: 215,
  /** Inside a failed Atomic, this command was rolled back. */
  ATOMIC_ROLLBACK_OK: 216,
  /** Malformed syntax. */
  BAD_REQUEST: 400,
  /** Invalid credentials. */
  INVALID_CREDENTIALS: 401,
  /** Forbidden: understood but refused. */
  FORBIDDEN: 403,
  /** The target node does not exist. */
  NOT_FOUND: 404,
  /** Command not allowed, e.g. a write to a read-only node. */
  COMMAND_NOT_ALLOWED: 405,
  /** The CSP does not support the property. */
  OPTIONAL_FEATURE_NOT_SUPPORTED: 406,
  /** Unsupported type or format (also XML parsing or formatting errors). */
  UNSUPPORTED_TYPE_OR_FORMAT: 415,
  /** The node already exists (an Add that should have been a Replace). */
  ALREADY_EXISTS: 418,
  /** Permission denied by the node's ACL. */
  PERMISSION_DENIED: 425,
  /** Generic failure. */
  COMMAND_FAILED: 500,
  /** One operation of an Atomic failed. */
  ATOMIC_FAILED: 507,
  /** An Atomic failed and could not be rolled back. */
  ATOMIC_ROLLBACK_FAILED: 516,
} as const;

/** One of the values of {@link StatusCodes}. */
export type KnownStatusCode = (typeof StatusCodes)[keyof typeof StatusCodes];

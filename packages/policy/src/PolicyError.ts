/**
 * Every code a {@link PolicyError} can carry. Match on `code`, not on the message text: codes are
 * stable, messages explain the particular case. Resolution never throws for bad data (it returns
 * `issues`); these errors are for functions called directly with arguments they cannot work with.
 */
export type PolicyErrorCode = 'ERR_POLICY_INVALID_VERSION' | 'ERR_POLICY_INVALID_RANGE';

/**
 * Base class of every error `@winmdm/policy` throws, so that callers can catch the package's errors
 * in one place and switch on `code`.
 *
 * @example
 * ```ts
 * try {
 *   compareWindowsVersions(a, b);
 * } catch (err) {
 *   if (err instanceof PolicyError && err.code === 'ERR_POLICY_INVALID_VERSION') reject(err.message);
 * }
 * ```
 */
export abstract class PolicyError extends Error {
  /** The stable, machine-readable failure kind. */
  abstract readonly code: PolicyErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    // The cause is passed only when given, so `'cause' in err` tells a wrapped failure apart.
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * A version string is not a Windows version: one to four dot-separated decimal parts, no leading
 * zeros, each at most 65535 (the limit of a part of a Windows file or product version).
 */
export class InvalidWindowsVersionError extends PolicyError {
  static readonly code = 'ERR_POLICY_INVALID_VERSION';
  override readonly code = InvalidWindowsVersionError.code;
  override readonly name = 'InvalidWindowsVersionError';
}

/** An `allowedVersions` string is not a node-semver range over Windows versions. */
export class InvalidVersionRangeError extends PolicyError {
  static readonly code = 'ERR_POLICY_INVALID_RANGE';
  override readonly code = InvalidVersionRangeError.code;
  override readonly name = 'InvalidVersionRangeError';
}

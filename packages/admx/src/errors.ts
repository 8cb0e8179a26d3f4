/**
 * Every code an {@link AdmxError} can carry. Match on `code`, not on the message text: codes are
 * stable, messages explain the particular case.
 */
export type AdmxErrorCode =
  | 'ERR_ADMX_PARSE'
  | 'ERR_ADMX_DOCTYPE'
  | 'ERR_ADMX_TOO_LARGE'
  | 'ERR_ADMX_VALUE'
  | 'ERR_ADMX_URI';

/**
 * Base class of every error `@winmdm/admx` throws. Only malformed *input documents* and misuse of
 * the API throw; problems found while validating a value are returned as issues instead.
 *
 * @example
 * ```ts
 * try {
 *   parseAdmx(text);
 * } catch (err) {
 *   if (err instanceof AdmxError && err.code === 'ERR_ADMX_DOCTYPE') rejectUpload();
 * }
 * ```
 */
export abstract class AdmxError extends Error {
  /** The stable, machine-readable failure kind. */
  abstract readonly code: AdmxErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    // The cause is passed only when given, so `'cause' in err` tells a wrapped failure apart.
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** An ADMX or ADML document is not well-formed XML or not shaped like the ADMX schema requires. */
export class AdmxParseError extends AdmxError {
  static readonly code = 'ERR_ADMX_PARSE';
  override readonly code = AdmxParseError.code;
  override readonly name = 'AdmxParseError';
}

/**
 * A document holds a DOCTYPE or ENTITY declaration. ADMX files are uploaded by admins and may be
 * hostile; no legitimate ADMX or ADML needs a DTD, and a DTD is how entity-expansion and external
 * entity attacks get in, so the document is refused before any XML parser sees it.
 */
export class AdmxDoctypeError extends AdmxError {
  static readonly code = 'ERR_ADMX_DOCTYPE';
  override readonly code = AdmxDoctypeError.code;
  override readonly name = 'AdmxDoctypeError';
}

/** A document is larger than the configured limit (`maxBytes`, 4 MiB by default). */
export class AdmxSizeError extends AdmxError {
  static readonly code = 'ERR_ADMX_TOO_LARGE';
  override readonly code = AdmxSizeError.code;
  override readonly name = 'AdmxSizeError';
}

/**
 * An ADMX-backed value payload does not follow the `<enabled/><data id=".." value=".."/>` grammar,
 * or a value handed to the encoder cannot be written (wrong JavaScript type, a character XML
 * cannot carry).
 */
export class AdmxValueError extends AdmxError {
  static readonly code = 'ERR_ADMX_VALUE';
  override readonly code = AdmxValueError.code;
  override readonly name = 'AdmxValueError';
}

/**
 * A policy URI cannot be built: an empty or unencodable name, a category reference that points at
 * no category of the file, or a cycle of parent categories.
 */
export class AdmxUriError extends AdmxError {
  static readonly code = 'ERR_ADMX_URI';
  override readonly code = AdmxUriError.code;
  override readonly name = 'AdmxUriError';
}

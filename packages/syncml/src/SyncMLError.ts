/**
 * Every failure code the codec can report. A code names one kind of failure and never changes
 * meaning, so servers can map it to a response (e.g. HTTP 400 vs 413) without reading messages.
 */
export type SyncMLErrorCode =
  | 'ERR_SYNCML_NOT_XML'
  | 'ERR_SYNCML_DOCTYPE'
  | 'ERR_SYNCML_TOO_LARGE'
  | 'ERR_SYNCML_TOO_DEEP'
  | 'ERR_SYNCML_ROOT'
  | 'ERR_SYNCML_NAMESPACE'
  | 'ERR_SYNCML_VERSION'
  | 'ERR_SYNCML_MSGID'
  | 'ERR_SYNCML_CMDID_MISSING'
  | 'ERR_SYNCML_CMDID_INVALID'
  | 'ERR_SYNCML_CMDID_DUPLICATE'
  | 'ERR_SYNCML_STATUS_REF'
  | 'ERR_SYNCML_UNKNOWN_ELEMENT'
  | 'ERR_SYNCML_MISSING_ELEMENT'
  | 'ERR_SYNCML_DUPLICATE_ELEMENT'
  | 'ERR_SYNCML_INVALID_CONTENT'
  | 'ERR_SYNCML_INVALID_NUMBER'
  | 'ERR_SYNCML_INVALID_CHAR'
  | 'ERR_SYNCML_STATUS_CODE';

/** Options every error of this package accepts. */
export interface SyncMLErrorOptions {
  /** The underlying failure, e.g. the XML parser's own error. */
  cause?: unknown;
  /**
   * Where in the message the problem is, in AST terms (`header.msgId`, `body[3].items[0].meta.size`);
   * absent when the problem is below the AST (bytes, XML syntax).
   */
  path?: string;
}

/**
 * The base class of every error `@winmdm/syncml` throws. Catch this one class to know that the
 * input (or a hand-built AST) was at fault, then branch on {@link SyncMLError.code}.
 *
 * @example
 * ```ts
 * try {
 *   parseMessage(body);
 * } catch (error) {
 *   if (error instanceof SyncMLError && error.code === 'ERR_SYNCML_TOO_LARGE') reply(413);
 *   else throw error;
 * }
 * ```
 */
export class SyncMLError extends Error {
  /** The kind of failure; stable across releases. */
  readonly code: SyncMLErrorCode;
  /** AST path of the offending value, when there is one. */
  // `declare` keeps the field absent (not `undefined`) when no path is given.
  declare readonly path?: string;

  constructor(code: SyncMLErrorCode, message: string, options: SyncMLErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    if (options.path !== undefined) (this as { path?: string }).path = options.path;
  }
}

/** The input is not well-formed XML 1.0 (or not UTF-8, or uses an undeclared entity). */
export class SyncMLNotXmlError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_NOT_XML';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLNotXmlError.code, message, options);
  }
}

/**
 * The input holds a `<!DOCTYPE` or another markup declaration (`<!ENTITY`, `<!ELEMENT`, ...). It is
 * refused before any parser sees it, which rules out entity expansion bombs and external entities.
 */
export class SyncMLDoctypeError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_DOCTYPE';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLDoctypeError.code, message, options);
  }
}

/** The input is larger (in UTF-8 bytes) than the configured limit. */
export class SyncMLTooLargeError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_TOO_LARGE';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLTooLargeError.code, message, options);
  }
}

/** Elements nest deeper than the configured limit. */
export class SyncMLTooDeepError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_TOO_DEEP';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLTooDeepError.code, message, options);
  }
}

/** The root element is not `SyncML`, or it lacks `SyncHdr`/`SyncBody` structure at the top. */
export class SyncMLRootError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_ROOT';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLRootError.code, message, options);
  }
}

/** A namespace is missing or wrong (`SYNCML:SYNCML1.2` on the root, `syncml:metinf` in Meta). */
export class SyncMLNamespaceError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_NAMESPACE';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLNamespaceError.code, message, options);
  }
}

/** `VerDTD` is not `1.2` or `VerProto` is not `DM/1.2` (or either is missing). */
export class SyncMLVersionError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_VERSION';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLVersionError.code, message, options);
  }
}

/** `MsgID` is missing or not a positive integer. */
export class SyncMLMsgIdError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_MSGID';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLMsgIdError.code, message, options);
  }
}

/** A command has no `CmdID`. */
export class SyncMLCmdIdMissingError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_CMDID_MISSING';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLCmdIdMissingError.code, message, options);
  }
}

/** A `CmdID` is `0`, negative, or not an integer. */
export class SyncMLCmdIdInvalidError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_CMDID_INVALID';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLCmdIdInvalidError.code, message, options);
  }
}

/** Two commands of one message (nested ones included) share a `CmdID`. */
export class SyncMLCmdIdDuplicateError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_CMDID_DUPLICATE';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLCmdIdDuplicateError.code, message, options);
  }
}

/** A `Status` lacks `MsgRef`/`CmdRef`, a `Results` lacks `CmdRef`, or a reference is not an integer ≥ 0. */
export class SyncMLStatusRefError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_STATUS_REF';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLStatusRefError.code, message, options);
  }
}

/**
 * An element (or command kind) the codec cannot represent. Refused rather than skipped: a server
 * must not silently drop a command it does not understand.
 */
export class SyncMLUnknownElementError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_UNKNOWN_ELEMENT';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLUnknownElementError.code, message, options);
  }
}

/** A required element is absent (e.g. `SyncBody`, `Target/LocURI`, `Status/Data`). */
export class SyncMLMissingElementError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_MISSING_ELEMENT';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLMissingElementError.code, message, options);
  }
}

/** An element that may occur once occurs twice (e.g. two `LocURI` in one `Target`). */
export class SyncMLDuplicateElementError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_DUPLICATE_ELEMENT';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLDuplicateElementError.code, message, options);
  }
}

/** An element holds content it cannot have: child elements in a text leaf, or in `Final`/`NoResp`/`MoreData`. */
export class SyncMLInvalidContentError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_INVALID_CONTENT';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLInvalidContentError.code, message, options);
  }
}

/** A numeric Meta field (`Size`, `MaxObjSize`, `MaxMsgSize`) is not an integer ≥ 0. */
export class SyncMLInvalidNumberError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_INVALID_NUMBER';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLInvalidNumberError.code, message, options);
  }
}

/** A string of an AST holds a character that XML 1.0 cannot carry (e.g. U+0000, a lone surrogate). */
export class SyncMLInvalidCharError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_INVALID_CHAR';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLInvalidCharError.code, message, options);
  }
}

/** A `Status` whose `Data` is not a numeric status code was given to `statusCode`. */
export class SyncMLStatusCodeError extends SyncMLError {
  static readonly code = 'ERR_SYNCML_STATUS_CODE';
  constructor(message: string, options?: SyncMLErrorOptions) {
    super(SyncMLStatusCodeError.code, message, options);
  }
}

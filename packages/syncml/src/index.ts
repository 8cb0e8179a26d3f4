export type {
  Add,
  Alert,
  Atomic,
  Command,
  CommandKind,
  Copy,
  Cred,
  Delete,
  Exec,
  Get,
  Item,
  ItemCommand,
  Location,
  Meta,
  Replace,
  Results,
  Sequence,
  Status,
  SyncHdr,
  SyncMLMessage,
  Container,
} from './SyncMLMessage.js';
export { parseMessage, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from './parseMessage.js';
export { parseMessageReference } from './parseMessageReference.js';
export type { ParseOptions } from './parseMessage.js';
export { serializeMessage } from './serializeMessage.js';
export { serializeMessageReference } from './serializeMessageReference.js';
export { commandByteLength, envelopeByteLength } from './commandByteLength.js';
export { utf8ByteLength } from './utf8ByteLength.js';
export { renumberCommands } from './renumberCommands.js';
export { statusCode } from './statusCode.js';
export { StatusCodes } from './StatusCodes.js';
export { statusCodeMeaning } from './statusCodeMeaning.js';
export type { KnownStatusCode } from './StatusCodes.js';
export { AlertCodes } from './AlertCodes.js';
export type { KnownAlertCode } from './AlertCodes.js';
export {
  SyncMLError,
  SyncMLNotXmlError,
  SyncMLDoctypeError,
  SyncMLTooLargeError,
  SyncMLTooDeepError,
  SyncMLRootError,
  SyncMLNamespaceError,
  SyncMLVersionError,
  SyncMLMsgIdError,
  SyncMLCmdIdMissingError,
  SyncMLCmdIdInvalidError,
  SyncMLCmdIdDuplicateError,
  SyncMLStatusRefError,
  SyncMLUnknownElementError,
  SyncMLMissingElementError,
  SyncMLDuplicateElementError,
  SyncMLInvalidContentError,
  SyncMLInvalidNumberError,
  SyncMLInvalidCharError,
  SyncMLStatusCodeError,
} from './SyncMLError.js';
export type { SyncMLErrorCode, SyncMLErrorOptions } from './SyncMLError.js';

export { DeviceModel } from './DeviceModel.js';
export type {
  ApplyOptions,
  ApplyResult,
  DeviceModelOptions,
  FailureCommandKind,
  FailureRule,
  InstallReport,
} from './DeviceModel.js';
export { DEFAULT_INVENTORY } from './defaultInventory.js';
export { DeviceSimulator } from './DeviceSimulator.js';
export type {
  DeviceSimulatorOptions,
  RawResponse,
  RunSessionOptions,
  SendRawOptions,
  SimulatorTlsOptions,
} from './DeviceSimulator.js';
export type { TransportOptions } from './DeviceTransport.js';
export { LeanDevice } from './LeanDevice.js';
export type { LeanDeviceOptions, LeanExchange, LeanSessionResult } from './LeanDevice.js';
export type {
  ReceivedCommand,
  ReceivedMessage,
  SentAlert,
  SentMessage,
  SentStatus,
  SessionSummary,
} from './SessionSummary.js';
export { formatSessionSummary } from './formatSessionSummary.js';
export {
  DeviceSimError,
  LeanDeviceUnsupportedError,
  SimulatorBusyError,
  SimulatorEnrollmentError,
  SimulatorHttpError,
  SimulatorNetworkError,
  SimulatorProtocolError,
  SimulatorSessionLimitError,
} from './DeviceSimError.js';
export type { DeviceSimErrorCode, DeviceSimErrorOptions } from './DeviceSimError.js';
export {
  windowsCertificateRequest,
  windowsRenewalRequest,
  type WindowsCertificateRequestOptions,
} from './windowsCertificateRequest.js';
export {
  enrollWindowsDevice,
  renewWindowsCertificate,
  renewalDue,
  type EnrollWindowsDeviceOptions,
  type EnrolledWindowsDevice,
  type RenewWindowsCertificateOptions,
} from './enrollWindowsDevice.js';

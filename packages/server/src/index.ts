export { startWinmdmServer, type WinmdmServer, type WinmdmServerOptions } from './startWinmdmServer.js';
export {
  defineApiRoute,
  defineRawRoute,
  EnvelopeCodes,
  type ApiRequest,
  type ApiRoute,
  type EnvelopeCode,
  type HttpMethod,
  type Page,
  type RawRequest,
  type RawResponse,
  type RawRoute,
  type Route,
} from './http/Route.js';
export { Router, type RegisteredRoute, type RouterOptions } from './http/Router.js';
export { createApiRoutes, ReportAcceptedSchema, type ApiOptions } from './api/createApiRoutes.js';
export { Metrics, type DeviceMessageOutcome, type MetricsOptions, type NodeStateCounts } from './metrics/Metrics.js';
export { timedStore } from './metrics/timedStore.js';
export { buildOpenApiDocument, type JsonValue, type OpenApiOptions } from './openapi/buildOpenApiDocument.js';
export { schemaNames } from './openapi/schemaNames.js';
export { checkReadiness, ReadinessSchema, type Readiness, type ReadinessOptions } from './health/checkReadiness.js';
export type {
  ApiTokenRow,
  Collection,
  DeviceEnrollmentRow,
  EnrollmentTokenRow,
  DeviceCertRow,
  DeviceRow,
  JsonObject,
  LoggedExchange,
  LoggedMessage,
  NodeHistoryRow,
  NodeStateRow,
  OutboxRow,
  Store,
  StoreTx,
} from './store/Store.js';
export { SqliteStore, type SqliteStoreOptions } from './store/SqliteStore.js';
export { PostgresStore, type PostgresStoreOptions } from './store/PostgresStore.js';
export {
  DEVICE_MEDIA_TYPES,
  DeviceEndpoint,
  type CrashPoint,
  type DeviceMediaType,
  type DeviceEndpointOptions,
  type DeviceIdentity,
  type DeviceRefusal,
  type DeviceResponse,
} from './device/DeviceEndpoint.js';
export { StorePolicySource, type PolicyInputs, type PolicySnapshot, type PolicySource } from './device/PolicySource.js';
export {
  LocalCa,
  type CertificateAuthority,
  type ClientCertificateRequest,
  type IssuedCertificate,
  type LocalCaOptions,
} from './tls/LocalCa.js';
export {
  parseCertificateRequest,
  unwrapRenewalRequest,
  MIN_RSA_BITS,
  type CertificateRequestKey,
} from './tls/parseCertificateRequest.js';
export { thumbprintsOf, normalizeThumbprint, type Thumbprints } from './tls/thumbprint.js';
export { importBundle, type ImportSummary } from './fleet/importBundle.js';
export { checkImportBundle } from './fleet/checkImportBundle.js';
export {
  ImportBundleSchema,
  ApiTokenSchema,
  MdmUserRecordSchema,
  OrganizationSchema,
  ImportDeviceSchema,
  type ImportBundle,
} from './fleet/ImportBundleSchema.js';
export { deviceDocument } from './fleet/deviceDocument.js';
export { explainDevice } from './fleet/explainDevice.js';
export { issueDeviceCertificate, type IssuedDeviceCertificate } from './fleet/issueDeviceCertificate.js';
export { Permissions, hashToken, type Caller } from './api/authenticate.js';
export type { ChangeNotifier } from './api/ChangeNotifier.js';
export type { ReportHandler } from './api/ReportHandler.js';
export {
  ServerError,
  ApiError,
  NoAuthTokenError,
  PermissionDeniedError,
  EntityNotFoundError,
  BillingPlanError,
  InvalidBodyError,
  ImportInvalidError,
  UpstreamError,
  EnrollmentError,
  CsrInvalidError,
  EnrollmentRequestError,
  EnrollmentAuthError,
  EnrollmentRateLimitedError,
  type SoapFaultShape,
  type FieldIssue,
  type UpstreamFailureKind,
  type ServerErrorCode,
} from './ServerError.js';
export { UpstreamClient, type UpstreamClientOptions } from './upstream/UpstreamClient.js';
export { CircuitBreaker } from './upstream/CircuitBreaker.js';
export { UpstreamPolicySource } from './upstream/UpstreamPolicySource.js';
export { OutboxWorker, type OutboxWorkerOptions } from './upstream/OutboxWorker.js';
export { StoreReportHandler } from './upstream/StoreReportHandler.js';
export { DeviceReportSchema, NodeStatusSchema, type DeviceReport } from './upstream/DeviceReportSchema.js';
export {
  EnrollmentService,
  EnrollmentPaths,
  type EnrollmentServiceOptions,
  type EnrollmentUrls,
} from './enrollment/EnrollmentService.js';
export { enrollmentRoutes, type EnrollmentRoutesOptions } from './enrollment/enrollmentRoutes.js';
export {
  TokenAuthenticator,
  type EnrollmentAuthenticator,
  type EnrollmentCredentials,
  type EnrollmentPrincipal,
} from './enrollment/EnrollmentAuthenticator.js';
export {
  DEFAULT_ENROLLMENT_SETTINGS,
  type EnrollmentSettings,
  type EnrollmentSettingsInput,
  type PollSchedule,
} from './enrollment/EnrollmentSettings.js';
export {
  createEnrollmentToken,
  EnrollmentTokenRequestSchema,
  EnrollmentTokenSchema,
  type EnrollmentToken,
  type EnrollmentTokenRequest,
} from './enrollment/enrollmentTokens.js';

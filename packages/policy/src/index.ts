export { AdmxConfigInfoSchema, type AdmxConfigInfo } from './AdmxConfigInfoSchema.js';
export { AdmxConfigSchema, type AdmxConfig } from './AdmxConfigSchema.js';
export { AdmxFileSchema, type AdmxFile } from './AdmxFileSchema.js';
export { AgentConfigurationSchema, type AgentConfiguration } from './AgentConfigurationSchema.js';
export { ApplicationInfoSchema, type ApplicationInfo } from './ApplicationInfoSchema.js';
export {
  ApplicationSchema,
  ApplicationVersionSchema,
  type Application,
  type ApplicationVersion,
} from './ApplicationSchema.js';
export { AssetSchema, type Asset } from './AssetSchema.js';
export {
  AutomationRuleSchema,
  DeviceAudienceSchema,
  type AutomationRule,
  type DeviceAudience,
} from './AutomationRuleSchema.js';
export { BookmarkSchema, type Bookmark } from './BookmarkSchema.js';
export { BundleSchema, type Bundle } from './BundleSchema.js';
export { checkBundle, type BundleIssue, type BundleIssueCode, type CheckBundleOptions } from './checkBundle.js';
export {
  ConfigSchema,
  ConfigValueFormatSchema,
  ConfigValueSchema,
  type Config,
  type ConfigValue,
  type ConfigValueFormat,
} from './ConfigValueSchema.js';
export { DeviceResponseSchema, type DeviceResponse } from './DeviceResponseSchema.js';
export { DeviceSchema, type Device } from './DeviceSchema.js';
export {
  EnforcedAssignmentSchema,
  MatchedAudienceSchema,
  type EnforcedAssignment,
  type MatchedAudience,
} from './EnforcedAssignmentSchema.js';
export { ErrorEnvelopeSchema, type ErrorEnvelope } from './ErrorEnvelopeSchema.js';
export { IsoTimestampSchema, type IsoTimestamp } from './IsoTimestampSchema.js';
export {
  LastLocationSchema,
  LocationReportSchema,
  type LastLocation,
  type LocationReport,
} from './LastLocationSchema.js';
export { MdmUserSchema, type MdmUser } from './MdmUserSchema.js';
export {
  ApplicationActionSchema,
  PolicyApplicationSchema,
  type ApplicationAction,
  type PolicyApplication,
} from './PolicyApplicationSchema.js';
export {
  InvalidVersionRangeError,
  InvalidWindowsVersionError,
  PolicyError,
  type PolicyErrorCode,
} from './PolicyError.js';
export type {
  Conflict,
  Layer,
  PolicyField,
  ProvenanceEntry,
  ResolutionIssue,
  ResolutionIssueCode,
  ResolutionResult,
  ResolveInput,
  ResolveOptions,
  SourceRef,
  SourcedValue,
} from './ResolutionResult.js';
export { ScriptSchema, type Script } from './ScriptSchema.js';
export { StateHistoryEntrySchema, type StateHistoryEntry } from './StateHistoryEntrySchema.js';
export { ComplianceReasonSchema, ComplianceSchema, SummarySchema, type Compliance, type ComplianceReasonDocument, type Summary } from './SummarySchema.js';
export { UpdateDeviceRequestSchema, type UpdateDeviceRequest } from './UpdateDeviceRequestSchema.js';
export { WinPolicyAssignmentSchema, type WinPolicyAssignment } from './WinPolicyAssignmentSchema.js';
export { WinPolicySchema, type WinPolicy } from './WinPolicySchema.js';
export { classifyStatus, type NodeCommand, type StatusOutcome } from './delivery/classifyStatus.js';
export { codeMeaning } from './delivery/codeMeaning.js';
export {
  COMPLIANCE_BY_STATUS,
  evaluateCompliance,
  type ComplianceInput,
  type ComplianceNode,
  type ComplianceReason,
  type ComplianceReasonState,
  type ComplianceResult,
} from './delivery/evaluateCompliance.js';
export { compareReadBack, readBackComparer, readBackEqual, type ReadBackComparer } from './delivery/compareReadBack.js';
export { UNVERIFIABLE_NODES, unverifiableNode, type UnverifiableNode } from './delivery/unverifiableNodes.js';
export { ACKNOWLEDGED_STATUSES, NODE_STATUSES, isNodeStatus, type NodeStatus } from './delivery/NodeStatus.js';
export {
  DEFAULT_RETRY,
  NODE_TRANSITIONS,
  nodeTransition,
  type NodeEvent,
  type NodeRecord,
  type ReadBack,
  type RetryPolicy,
  type TransitionRow,
} from './delivery/nodeTransition.js';
export { compareWindowsVersions } from './compareWindowsVersions.js';
export { evaluateAutomationRules } from './evaluateAutomationRules.js';
export {
  BeatenValueSchema,
  ExplainedConflictSchema,
  ExplainedLayerSchema,
  ExplainedSettingSchema,
  ExplainedSourceSchema,
  ExplainedStatusSchema,
  ExplanationSchema,
  NodeStatusEventSchema,
  type BeatenValue,
  type ExplainInput,
  type ExplainedConflict,
  type ExplainedLayer,
  type ExplainedSetting,
  type ExplainedSource,
  type ExplainedStatus,
  type Explanation,
  type NodeStatusEvent,
  type NodeStatusInput,
} from './explain/Explanation.js';
export { explainResolution } from './explain/explainResolution.js';
export { nodeStatusMeaning } from './explain/nodeStatusMeaning.js';
export { shortenKey } from './explain/shortenKey.js';
export { valueText } from './explain/valueText.js';
export { formatIssuePath } from './formatIssuePath.js';
export { nearestName } from './nearestName.js';
export { normalizeOmaUri } from './normalizeOmaUri.js';
export { omaUriProblem } from './omaUriProblem.js';
export { parseWindowsVersion, type WindowsVersionParts } from './parseWindowsVersion.js';
export { resolveEffectivePolicy } from './resolveEffectivePolicy.js';
export { ResolutionCache, type ResolutionCacheOptions, type ResolutionCacheStats } from './ResolutionCache.js';
export { satisfiesAllowedVersions } from './satisfiesAllowedVersions.js';
export { selectApplicationVersion } from './selectApplicationVersion.js';
export type {
  DesiredNode,
  DeviceState,
  KnownNode,
  NodeKind,
  Plan,
  PlanIssue,
  PlanIssueCode,
  PlanOptions,
  PlannedCommand,
  PlannedNode,
  PlannedVerification,
  VerifyOptions,
} from './plan/Plan.js';
export { planCommands } from './plan/planCommands.js';
export { inventoryNodes } from './plan/inventoryNodes.js';
export { summaryFromResults, type SummaryPatch } from './plan/summaryFromResults.js';

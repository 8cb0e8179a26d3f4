export type {
  AdmxBooleanElement,
  AdmxCategory,
  AdmxDecimalElement,
  AdmxDefinition,
  AdmxElement,
  AdmxElementType,
  AdmxEnumElement,
  AdmxEnumItem,
  AdmxListElement,
  AdmxMultiTextElement,
  AdmxNamespace,
  AdmxPolicy,
  AdmxPolicyClass,
  AdmxRef,
  AdmxSupportedOnDefinition,
  AdmxTextElement,
  AdmxValue,
  AdmxValueList,
  AdmxValueListItem,
} from './AdmxDefinition.js';
export type { AdmlPresentation, AdmlPresentationControl, AdmlResources } from './AdmlResources.js';
export type { AdmxBackedValue, AdmxDataValue, AdmxIssue, AdmxIssueCode } from './AdmxBackedValue.js';
export { parseAdmx } from './parseAdmx.js';
export type { AdmxParseOptions } from './parseAdmx.js';
export { parseAdml } from './parseAdml.js';
export { displayNameOf, explainTextOf, presentationOf, resolveAdmlString } from './resolveAdmlString.js';
export { admxCategoryPath, admxPolicyUri, admxPolicyUris } from './admxPolicyUri.js';
export type { AdmxUriOptions } from './admxPolicyUri.js';
export { admxInstallUri } from './admxInstallUri.js';
export type { AdmxSettingType } from './admxInstallUri.js';
export { decodeAdmxBackedValue } from './decodeAdmxBackedValue.js';
export { encodeAdmxBackedValue } from './encodeAdmxBackedValue.js';
export { admxBackedValuesEqual } from './admxBackedValuesEqual.js';
export { canonicalXml } from './canonicalXml.js';
export { validateAdmxBackedValue } from './validateAdmxBackedValue.js';
export type { AdmxValidationResult } from './validateAdmxBackedValue.js';
export {
  AdmxDoctypeError,
  AdmxError,
  AdmxParseError,
  AdmxSizeError,
  AdmxUriError,
  AdmxValueError,
} from './errors.js';
export type { AdmxErrorCode } from './errors.js';

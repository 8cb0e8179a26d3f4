/**
 * A reference to a named item (category, supportedOn definition), written `prefix:name` in ADMX
 * when the item lives in another namespace. `prefix` is absent when the reference had none.
 */
export interface AdmxRef {
  prefix?: string;
  name: string;
}

/** A namespace binding of `<policyNamespaces>`: `<target>` or one `<using>` import. */
export interface AdmxNamespace {
  prefix: string;
  namespace: string;
}

/**
 * A registry value as ADMX writes it inside `<enabledValue>`, `<trueValue>`, an enum `<item>`'s
 * `<value>` and so on. `longDecimal` is a JavaScript number: values above 2^53 lose precision.
 */
export type AdmxValue =
  | { type: 'decimal'; value: number }
  | { type: 'longDecimal'; value: number }
  | { type: 'string'; value: string }
  | { type: 'delete' };

/** One `<item>` of a `<valueList>`: a registry value set alongside a state. */
export interface AdmxValueListItem {
  key?: string;
  valueName: string;
  value: AdmxValue;
}

/** An `<enabledList>`, `<disabledList>`, `<trueList>`, `<falseList>` or an enum item's `<valueList>`. */
export interface AdmxValueList {
  defaultKey?: string;
  items: AdmxValueListItem[];
}

/** One `<category>` of an ADMX file. `displayName` / `explainText` stay as `$(string.X)` references. */
export interface AdmxCategory {
  name: string;
  displayName?: string;
  explainText?: string;
  parentCategory?: AdmxRef;
}

/** A `<supportedOn><definitions><definition>` entry (its `and`/`or` ranges are not kept). */
export interface AdmxSupportedOnDefinition {
  name: string;
  displayName?: string;
}

/** Attributes every policy element may carry (the schema's PolicyElementAttributeGroup). */
interface AdmxElementBase {
  id: string;
  key?: string;
  valueName?: string;
}

/** `<text>`: one string. Without `maxLength`, ADMX's documented default of 1023 applies. */
export interface AdmxTextElement extends AdmxElementBase {
  type: 'text';
  required: boolean;
  maxLength?: number;
  expandable?: boolean;
  soft?: boolean;
}

/** `<multiText>`: several strings (REG_MULTI_SZ). `maxStrings` 0 or absent means no limit. */
export interface AdmxMultiTextElement extends AdmxElementBase {
  type: 'multiText';
  required: boolean;
  maxLength?: number;
  maxStrings?: number;
  soft?: boolean;
}

/**
 * `<decimal>` (REG_DWORD) or `<longDecimal>` (REG_QWORD). Bounds are as written in the file;
 * absent bounds mean ADMX's schema defaults, 0 and 9999, for both kinds.
 */
export interface AdmxDecimalElement extends AdmxElementBase {
  type: 'decimal' | 'longDecimal';
  required: boolean;
  minValue?: number;
  maxValue?: number;
  storeAsText?: boolean;
  soft?: boolean;
}

/** `<boolean>`: a check box. The registry values written for each state are optional. */
export interface AdmxBooleanElement extends AdmxElementBase {
  type: 'boolean';
  trueValue?: AdmxValue;
  falseValue?: AdmxValue;
  trueList?: AdmxValueList;
  falseList?: AdmxValueList;
}

/** One `<item>` of an `<enum>`: the value the data must carry to select it. */
export interface AdmxEnumItem {
  displayName?: string;
  value: AdmxValue;
  valueList?: AdmxValueList;
}

/** `<enum>`: a drop-down list; a value must be one of the items' values. */
export interface AdmxEnumElement extends AdmxElementBase {
  type: 'enum';
  required: boolean;
  items: AdmxEnumItem[];
  soft?: boolean;
}

/** `<list>`: a list box of strings written as numbered (or explicitly named) values under `key`. */
export interface AdmxListElement {
  type: 'list';
  id: string;
  key?: string;
  valuePrefix?: string;
  additive?: boolean;
  expandable?: boolean;
  explicitValue?: boolean;
}

/** A policy element, discriminated on `type` (the ADMX element name). */
export type AdmxElement =
  | AdmxTextElement
  | AdmxMultiTextElement
  | AdmxDecimalElement
  | AdmxBooleanElement
  | AdmxEnumElement
  | AdmxListElement;

/** The ADMX element kinds, in the schema's terms. */
export type AdmxElementType = AdmxElement['type'];

/** Where a policy applies: `Machine` and `Both` are set under `./Device`, `User` under `./User`. */
export type AdmxPolicyClass = 'Machine' | 'User' | 'Both';

/**
 * One `<policy>`. Text attributes (`displayName`, `explainText`, `presentation`) stay as written
 * (`$(string.X)`, `$(presentation.X)`); resolve them with an ADML via `displayNameOf` and friends.
 */
export interface AdmxPolicy {
  name: string;
  class: AdmxPolicyClass;
  displayName?: string;
  explainText?: string;
  presentation?: string;
  key: string;
  valueName?: string;
  parentCategory?: AdmxRef;
  supportedOn?: AdmxRef;
  enabledValue?: AdmxValue;
  disabledValue?: AdmxValue;
  enabledList?: AdmxValueList;
  disabledList?: AdmxValueList;
  /** The policy's elements in document order; empty when it has none. */
  elements: AdmxElement[];
}

/**
 * A parsed ADMX file: its namespace bindings, categories, policies and supportedOn definitions.
 * `target` is absent for files without `<policyNamespaces>` (Microsoft's ingestion sample): every
 * reference in such a file is local.
 */
export interface AdmxDefinition {
  revision?: string;
  schemaVersion?: string;
  target?: AdmxNamespace;
  using: AdmxNamespace[];
  /** `<resources minRequiredRevision>`: the ADML revision the file needs. */
  minRequiredRevision?: string;
  supportedOnDefinitions: AdmxSupportedOnDefinition[];
  categories: AdmxCategory[];
  policies: AdmxPolicy[];
}

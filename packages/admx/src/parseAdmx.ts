import type {
  AdmxCategory,
  AdmxDecimalElement,
  AdmxDefinition,
  AdmxElement,
  AdmxEnumItem,
  AdmxNamespace,
  AdmxPolicy,
  AdmxPolicyClass,
  AdmxRef,
  AdmxSupportedOnDefinition,
  AdmxValue,
  AdmxValueList,
  AdmxValueListItem,
} from './AdmxDefinition.js';
import { AdmxParseError } from './errors.js';
import { readXmlDocument } from './xmlDocument.js';
import type { XmlElement } from './xmlDocument.js';

/** Options of {@link parseAdmx} and {@link parseAdml}. */
export interface AdmxParseOptions {
  /** Largest accepted document in UTF-8 bytes; larger input throws `ERR_ADMX_TOO_LARGE`. Default 4 MiB. */
  maxBytes?: number;
}

function fail(message: string): never {
  throw new AdmxParseError(`ADMX: ${message}`);
}

function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

function requiredAttr(element: XmlElement, attr: string, where: string): string {
  const value = element.attrs.get(attr);
  if (value === undefined || value.trim() === '') fail(`${where}: <${element.name}> has no ${attr} attribute`);
  return value;
}

// xs:boolean
function booleanAttr(element: XmlElement, attr: string, where: string): boolean | undefined {
  const raw = element.attrs.get(attr);
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return fail(`${where}: ${attr}="${raw}" is not a boolean (true, false, 1 or 0)`);
}

// xs:unsignedInt / xs:unsignedLong
function unsignedAttr(element: XmlElement, attr: string, where: string): number | undefined {
  const raw = element.attrs.get(attr);
  if (raw === undefined) return undefined;
  return unsignedNumber(raw, `${where}: ${attr}`);
}

function unsignedNumber(raw: string, where: string): number {
  const value = raw.trim();
  if (!/^\+?[0-9]+$/.test(value)) fail(`${where}="${raw}" is not an unsigned integer`);
  return Number(value);
}

/** Splits `prefix:name`; a reference without a colon has no prefix. */
function parseRef(raw: string, where: string): AdmxRef {
  const value = raw.trim();
  const colon = value.indexOf(':');
  if (colon === -1) {
    if (value === '') fail(`${where}: empty reference`);
    return { name: value };
  }
  const prefix = value.slice(0, colon);
  const name = value.slice(colon + 1);
  if (prefix === '' || name === '' || name.includes(':')) fail(`${where}: malformed reference "${raw}"`);
  return { prefix, name };
}

function refChild(element: XmlElement, name: string, where: string): AdmxRef | undefined {
  const ref = child(element, name);
  return ref === undefined ? undefined : parseRef(requiredAttr(ref, 'ref', where), `${where} <${name}>`);
}

/** Reads a `pd:Value`: exactly one of delete, decimal, longDecimal, string. */
function parseValue(container: XmlElement, where: string): AdmxValue {
  const [inner, ...extra] = container.children;
  if (inner === undefined || extra.length > 0) {
    fail(`${where}: <${container.name}> must hold exactly one of <delete>, <decimal>, <longDecimal>, <string>`);
  }
  switch (inner.name) {
    case 'delete':
      return { type: 'delete' };
    case 'decimal':
    case 'longDecimal':
      return {
        type: inner.name,
        value: unsignedNumber(requiredAttr(inner, 'value', where), `${where} <${inner.name}> value`),
      };
    case 'string':
      return { type: 'string', value: inner.text };
    default:
      return fail(`${where}: unexpected <${inner.name}> in <${container.name}>`);
  }
}

function optionalValue(element: XmlElement, name: string, where: string): AdmxValue | undefined {
  const container = child(element, name);
  return container === undefined ? undefined : parseValue(container, where);
}

function parseValueList(list: XmlElement, where: string): AdmxValueList {
  const items = childrenNamed(list, 'item').map((item): AdmxValueListItem => {
    const valueName = item.attrs.get('valueName');
    if (valueName === undefined) fail(`${where}: <${list.name}> <item> has no valueName attribute`);
    const value = child(item, 'value');
    if (value === undefined) fail(`${where}: <${list.name}> <item valueName="${valueName}"> has no <value>`);
    const key = item.attrs.get('key');
    return {
      ...(key !== undefined ? { key } : {}),
      valueName,
      value: parseValue(value, `${where} <${list.name}>`),
    };
  });
  const defaultKey = list.attrs.get('defaultKey');
  return { ...(defaultKey !== undefined ? { defaultKey } : {}), items };
}

function optionalValueList(element: XmlElement, name: string, where: string): AdmxValueList | undefined {
  const list = child(element, name);
  return list === undefined ? undefined : parseValueList(list, where);
}

/** Copies the attributes that are present; absent ones stay absent (exactOptionalPropertyTypes). */
function present<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function parseElement(element: XmlElement, policyName: string): AdmxElement {
  const where = `policy "${policyName}" <${element.name}>`;
  const id = requiredAttr(element, 'id', where);
  const at = `policy "${policyName}" element "${id}"`;
  const common = present({ key: element.attrs.get('key'), valueName: element.attrs.get('valueName') });
  const required = booleanAttr(element, 'required', at) ?? false;
  switch (element.name) {
    case 'text':
      return {
        type: 'text',
        id,
        ...common,
        required,
        ...present({
          maxLength: unsignedAttr(element, 'maxLength', at),
          expandable: booleanAttr(element, 'expandable', at),
          soft: booleanAttr(element, 'soft', at),
        }),
      };
    case 'multiText':
      return {
        type: 'multiText',
        id,
        ...common,
        required,
        ...present({
          maxLength: unsignedAttr(element, 'maxLength', at),
          maxStrings: unsignedAttr(element, 'maxStrings', at),
          soft: booleanAttr(element, 'soft', at),
        }),
      };
    case 'decimal':
    case 'longDecimal': {
      const decimal: AdmxDecimalElement = {
        type: element.name,
        id,
        ...common,
        required,
        ...present({
          minValue: unsignedAttr(element, 'minValue', at),
          maxValue: unsignedAttr(element, 'maxValue', at),
          storeAsText: booleanAttr(element, 'storeAsText', at),
          soft: booleanAttr(element, 'soft', at),
        }),
      };
      return decimal;
    }
    case 'boolean':
      return {
        type: 'boolean',
        id,
        ...common,
        ...present({
          trueValue: optionalValue(element, 'trueValue', at),
          falseValue: optionalValue(element, 'falseValue', at),
          trueList: optionalValueList(element, 'trueList', at),
          falseList: optionalValueList(element, 'falseList', at),
        }),
      };
    case 'enum':
      return {
        type: 'enum',
        id,
        ...common,
        required,
        items: childrenNamed(element, 'item').map((item, index): AdmxEnumItem => {
          const value = child(item, 'value');
          if (value === undefined) fail(`${at}: item ${index} has no <value>`);
          return {
            ...present({ displayName: item.attrs.get('displayName') }),
            value: parseValue(value, `${at} item ${index}`),
            ...present({ valueList: optionalValueList(item, 'valueList', `${at} item ${index}`) }),
          };
        }),
        ...present({ soft: booleanAttr(element, 'soft', at) }),
      };
    case 'list':
      return {
        type: 'list',
        id,
        ...present({
          key: element.attrs.get('key'),
          valuePrefix: element.attrs.get('valuePrefix'),
          additive: booleanAttr(element, 'additive', at),
          expandable: booleanAttr(element, 'expandable', at),
          explicitValue: booleanAttr(element, 'explicitValue', at),
        }),
      };
    default:
      return fail(`${where}: unknown policy element type <${element.name}>`);
  }
}

const POLICY_CLASSES: readonly string[] = ['Machine', 'User', 'Both'] satisfies AdmxPolicyClass[];

function parsePolicy(element: XmlElement): AdmxPolicy {
  const name = requiredAttr(element, 'name', 'policies');
  const where = `policy "${name}"`;
  const cls = element.attrs.get('class');
  if (cls === undefined) fail(`${where} has no class attribute`);
  if (!POLICY_CLASSES.includes(cls)) fail(`${where} has class "${cls}"; expected Machine, User or Both`);
  const key = requiredAttr(element, 'key', where);
  const elements = child(element, 'elements');
  return {
    name,
    class: cls as AdmxPolicyClass,
    ...present({
      displayName: element.attrs.get('displayName'),
      explainText: element.attrs.get('explainText'),
      presentation: element.attrs.get('presentation'),
    }),
    key,
    ...present({
      valueName: element.attrs.get('valueName'),
      parentCategory: refChild(element, 'parentCategory', where),
      supportedOn: refChild(element, 'supportedOn', where),
      enabledValue: optionalValue(element, 'enabledValue', where),
      disabledValue: optionalValue(element, 'disabledValue', where),
      enabledList: optionalValueList(element, 'enabledList', where),
      disabledList: optionalValueList(element, 'disabledList', where),
    }),
    elements: elements === undefined ? [] : elements.children.map((e) => parseElement(e, name)),
  };
}

function parseCategory(element: XmlElement): AdmxCategory {
  const name = requiredAttr(element, 'name', 'categories');
  return {
    name,
    ...present({
      displayName: element.attrs.get('displayName'),
      explainText: element.attrs.get('explainText'),
      parentCategory: refChild(element, 'parentCategory', `category "${name}"`),
    }),
  };
}

function parseNamespace(element: XmlElement): AdmxNamespace {
  return {
    prefix: requiredAttr(element, 'prefix', 'policyNamespaces'),
    namespace: requiredAttr(element, 'namespace', 'policyNamespaces'),
  };
}

/**
 * Parses an ADMX file (Group Policy administrative template) into an {@link AdmxDefinition}:
 * namespace bindings, categories with their parents, policies with every element type, and the
 * supportedOn definitions. Files without a namespace (`xmlns`) or without `<policyNamespaces>`,
 * like Microsoft's ingestion sample, are read too.
 *
 * The input comes from admins and is treated as hostile: a DOCTYPE or ENTITY declaration is
 * refused before parsing (`ERR_ADMX_DOCTYPE`), input over `maxBytes` (4 MiB by default) is
 * refused (`ERR_ADMX_TOO_LARGE`), and anything that is not well-formed XML with a
 * `<policyDefinitions>` root, or that breaks the ADMX schema where this reader relies on it
 * (policy without name/class/key, element without id, non-numeric bound), throws
 * `AdmxParseError` (`ERR_ADMX_PARSE`) saying what is wrong.
 *
 * @example
 * ```ts
 * const def = parseAdmx(admxText);
 * const policy = def.policies.find((p) => p.name === 'L_PolicyConfigurationMode');
 * ```
 */
export function parseAdmx(xml: string, options: AdmxParseOptions = {}): AdmxDefinition {
  const root = readXmlDocument(xml, 'policyDefinitions', 'ADMX', options);
  const namespaces = child(root, 'policyNamespaces');
  const targetElement = namespaces === undefined ? undefined : child(namespaces, 'target');
  const resources = child(root, 'resources');
  const supportedOn = child(root, 'supportedOn');
  const definitions = supportedOn === undefined ? undefined : child(supportedOn, 'definitions');
  const categories = child(root, 'categories');
  const policies = child(root, 'policies');
  return {
    ...present({
      revision: root.attrs.get('revision'),
      schemaVersion: root.attrs.get('schemaVersion'),
      target: targetElement === undefined ? undefined : parseNamespace(targetElement),
    }),
    using: namespaces === undefined ? [] : childrenNamed(namespaces, 'using').map(parseNamespace),
    ...present({ minRequiredRevision: resources?.attrs.get('minRequiredRevision') }),
    supportedOnDefinitions:
      definitions === undefined
        ? []
        : childrenNamed(definitions, 'definition').map(
            (d): AdmxSupportedOnDefinition => ({
              name: requiredAttr(d, 'name', 'supportedOn definitions'),
              ...present({ displayName: d.attrs.get('displayName') }),
            }),
          ),
    categories: categories === undefined ? [] : childrenNamed(categories, 'category').map(parseCategory),
    policies: policies === undefined ? [] : childrenNamed(policies, 'policy').map(parsePolicy),
  };
}

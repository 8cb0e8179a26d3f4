import type { AdmxCategory, AdmxDefinition, AdmxPolicy, AdmxRef } from './AdmxDefinition.js';
import { checkSettingType } from './admxInstallUri.js';
import type { AdmxSettingType } from './admxInstallUri.js';
import { AdmxUriError } from './errors.js';
import { locUriSegment } from './locUriSegment.js';

/** The name the admin gave the ADMX file and the branch it was ingested into. */
export interface AdmxUriOptions {
  appName: string;
  settingType: AdmxSettingType;
}

/**
 * Whether a reference stays within the file: no prefix, the file's own target prefix, or a
 * `using` prefix bound to the file's own namespace. Any other prefix (declared or not) points into
 * another file.
 */
function isLocal(definition: AdmxDefinition, ref: AdmxRef): boolean {
  if (ref.prefix === undefined) return true;
  const target = definition.target;
  if (target === undefined) return false;
  if (ref.prefix === target.prefix) return true;
  return definition.using.some((u) => u.prefix === ref.prefix && u.namespace === target.namespace);
}

/**
 * The category path of a policy within its own file, root-most first: follows `parentCategory`
 * upward and stops at a parent in another namespace (or at a category without parent). Firefox's
 * `Cookies` → `firefox` → `Mozilla:Cat_Mozilla` gives `['firefox', 'Cookies']`. A policy without
 * `parentCategory`, or whose parent is already in another file, has an empty path.
 *
 * Throws `AdmxUriError` (`ERR_ADMX_URI`) when a local reference names no category of the file or
 * the parents form a cycle: Windows would refuse such a file.
 */
export function admxCategoryPath(definition: AdmxDefinition, policy: AdmxPolicy): string[] {
  return categoryPath(definition, categoriesByName(definition), policy);
}

type CategoryIndex = ReadonlyMap<string, AdmxCategory>;

function categoriesByName(definition: AdmxDefinition): CategoryIndex {
  const byName = new Map<string, AdmxCategory>();
  // The first definition of a name wins, as with any duplicate in an ADMX file.
  for (const category of definition.categories) if (!byName.has(category.name)) byName.set(category.name, category);
  return byName;
}

function categoryPath(definition: AdmxDefinition, byName: CategoryIndex, policy: AdmxPolicy): string[] {
  const path: string[] = [];
  const seen = new Set<string>();
  let ref = policy.parentCategory;
  while (ref !== undefined && isLocal(definition, ref)) {
    const category = byName.get(ref.name);
    if (category === undefined) {
      const from = path.length === 0 ? `policy "${policy.name}"` : `category "${path[path.length - 1]}"`;
      throw new AdmxUriError(`${from} has parent category "${ref.name}", which this ADMX file does not define`);
    }
    if (seen.has(category.name)) {
      throw new AdmxUriError(`categories of policy "${policy.name}" form a cycle through "${category.name}"`);
    }
    seen.add(category.name);
    path.push(category.name);
    ref = category.parentCategory;
  }
  // Collected leaf first; the URI wants the root-most category first.
  return path.reverse();
}

function policyUri(definition: AdmxDefinition, byName: CategoryIndex, policy: AdmxPolicy, options: AdmxUriOptions): string {
  const settingType = checkSettingType(options.settingType);
  const scope = policy.class === 'User' ? 'User' : 'Device';
  const area = [
    locUriSegment(options.appName, 'appName'),
    settingType,
    ...categoryPath(definition, byName, policy).map((c) => locUriSegment(c, 'category name')),
  ].join('~');
  return `./${scope}/Vendor/MSFT/Policy/Config/${area}/${locUriSegment(policy.name, 'policy name')}`;
}

/**
 * The Policy CSP LocURI of an ingested ADMX policy:
 * `./{Device|User}/Vendor/MSFT/Policy/Config/{AppName}~{SettingType}~{CategoryPath}/{PolicyName}`,
 * with the category path from {@link admxCategoryPath} joined by `~`. `class="Machine"` and
 * `"Both"` go to `./Device`, `"User"` to `./User`. Every name is percent-escaped: only
 * `A-Z a-z 0-9 - . _` stay literal (a space becomes `%20`, `/` `%2F`, `~` inside a name `%7E`).
 * With an empty category path the node is `{AppName}~{SettingType}`.
 *
 * @example
 * ```ts
 * admxPolicyUri(contoso, policy, { appName: 'ContosoCompanyApp', settingType: 'Policy' });
 * // './Device/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category1/L_PolicyConfigurationMode'
 * ```
 */
export function admxPolicyUri(definition: AdmxDefinition, policy: AdmxPolicy, options: AdmxUriOptions): string {
  return policyUri(definition, categoriesByName(definition), policy, options);
}

/**
 * Every policy of an ADMX file keyed by its LocURI ({@link admxPolicyUri}), in document order: the
 * table the planner uses to find the definition behind a configured `./Device|User/.../Config/...`
 * key. Throws `AdmxUriError` when a URI cannot be built or two policies share one (a duplicate
 * policy name): silently dropping either would hide a broken file.
 */
export function admxPolicyUris(definition: AdmxDefinition, options: AdmxUriOptions): Map<string, AdmxPolicy> {
  const uris = new Map<string, AdmxPolicy>();
  const byName = categoriesByName(definition);
  for (const policy of definition.policies) {
    const uri = policyUri(definition, byName, policy, options);
    if (uris.has(uri)) throw new AdmxUriError(`two policies of the file map to the same URI ${uri}`);
    uris.set(uri, policy);
  }
  return uris;
}

import type { AdmlPresentation, AdmlResources } from './AdmlResources.js';

/**
 * Resolves an ADMX text attribute against an ADML: `$(string.X)` becomes string `X` of the string
 * table (`undefined` when the table lacks it); text that is not a reference is returned as is.
 *
 * @example
 * ```ts
 * resolveAdmlString('$(string.mozilla)', adml); // 'Mozilla'
 * ```
 */
export function resolveAdmlString(text: string, adml: AdmlResources): string | undefined {
  const ref = /^\s*\$\(string\.([^)]+)\)\s*$/.exec(text);
  return ref === null ? text : adml.strings.get(ref[1] ?? '');
}

/**
 * The display name of a policy, category, enum item or supportedOn definition in the ADML's
 * language, or `undefined` when the item has none or the ADML lacks its string.
 */
export function displayNameOf(item: { displayName?: string }, adml: AdmlResources): string | undefined {
  return item.displayName === undefined ? undefined : resolveAdmlString(item.displayName, adml);
}

/** The explanation text of a policy or category in the ADML's language, like {@link displayNameOf}. */
export function explainTextOf(item: { explainText?: string }, adml: AdmlResources): string | undefined {
  return item.explainText === undefined ? undefined : resolveAdmlString(item.explainText, adml);
}

/** The ADML presentation a policy's `$(presentation.X)` reference names, if the ADML has it. */
export function presentationOf(policy: { presentation?: string }, adml: AdmlResources): AdmlPresentation | undefined {
  const ref = policy.presentation === undefined ? null : /^\s*\$\(presentation\.([^)]+)\)\s*$/.exec(policy.presentation);
  return ref === null ? undefined : adml.presentations.get(ref[1] ?? '');
}

/**
 * A field path as every command prints it: `devices[0].winPolicyAssignments[1].priority`, with
 * keys that are not plain names in brackets and quotes
 * (`policies[2].config["./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera"]`), and `(root)` for
 * the document itself.
 *
 * @example
 * ```ts
 * formatIssuePath(['apiTokens', 1, 'token']); // 'apiTokens[1].token'
 * ```
 */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

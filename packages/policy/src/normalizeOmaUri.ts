/**
 * Normalises an OMA-URI config key so that spellings Windows treats as the same node compare equal:
 * `./Vendor/MSFT/...` is the device-scoped `./Device/Vendor/MSFT/...`, and the `./device/` and
 * `./user/` scope prefixes are case-insensitive. Only these prefixes are rewritten (to
 * `./Device/Vendor/MSFT/`, `./Device/`, `./User/`); the rest of the URI is case-sensitive and kept
 * exactly. The function is idempotent.
 *
 * @example
 * ```ts
 * normalizeOmaUri('./Vendor/MSFT/Policy/Config/Camera/AllowCamera');
 * // './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera'
 * normalizeOmaUri('./user/Vendor/MSFT/Policy/Config/Start/HideAppList');
 * // './User/Vendor/MSFT/Policy/Config/Start/HideAppList'
 * ```
 */
export function normalizeOmaUri(key: string): string {
  // Fast path: almost every key in real policies is already written this way.
  if (key.startsWith('./Device/')) return key;
  if (key.length < 6 || key.charCodeAt(0) !== 46 /* . */ || key.charCodeAt(1) !== 47 /* / */) return key;
  const lower = key.slice(0, 15).toLowerCase();
  if (lower.startsWith('./vendor/msft/')) return `./Device/Vendor/MSFT/${key.slice(14)}`;
  if (lower === './vendor/msft') return './Device/Vendor/MSFT';
  if (lower.startsWith('./device/')) return `./Device/${key.slice(9)}`;
  if (lower === './device') return './Device';
  if (lower.startsWith('./user/')) return `./User/${key.slice(7)}`;
  if (lower === './user') return './User';
  return key;
}

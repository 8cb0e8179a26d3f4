import type { PolicyField } from '../ResolutionResult.js';

const POLICY_CONFIG = /^\.\/(Device|User)\/Vendor\/MSFT\/Policy\/Config\//;
const VENDOR = /^\.\/(Device|User)\/Vendor\/MSFT\//;
const LIST_PREFIX: Readonly<Record<Exclude<PolicyField, 'config' | 'agentConfiguration'>, string>> = {
  applications: 'app',
  admxConfigs: 'admx',
  scripts: 'script',
  bookmarks: 'bookmark',
  assets: 'asset',
};

/**
 * A key as a person scans a table: an OMA-URI loses the prefix every setting shares
 * (`./Device/Vendor/MSFT/Policy/Config/`, else `./Device/Vendor/MSFT/`), a user-scoped one says
 * `[user]`, and an ingested ADMX area keeps its app and last category
 * (`ContosoCompanyApp~…~Category1/L_PolicyConfigurationMode`). List entries read `app <id>`,
 * agent settings `agent.<field>`. The full key stays in the model beside it.
 *
 * @example
 * ```ts
 * shortenKey('config', './Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength');
 * // 'DeviceLock/MinDevicePasswordLength'
 * shortenKey('config', './User/Vendor/MSFT/Policy/Config/Start/HideAppList'); // '[user] Start/HideAppList'
 * ```
 */
export function shortenKey(field: PolicyField, key: string): string {
  if (field === 'agentConfiguration') return `agent.${key}`;
  if (field !== 'config') return `${LIST_PREFIX[field]} ${key}`;
  const match = POLICY_CONFIG.exec(key) ?? VENDOR.exec(key);
  if (match === null) return key;
  let rest = key.slice(match[0].length);
  const slash = rest.indexOf('/');
  const area = slash === -1 ? rest : rest.slice(0, slash);
  const parts = area.split('~');
  // `{AppName}~{Policy|Preference}~{category}~…~{category}`: the app and the innermost category say enough.
  if (parts.length > 3) rest = `${parts[0]}~…~${parts.at(-1)}${rest.slice(area.length)}`;
  return match[1] === 'User' ? `[user] ${rest}` : rest;
}

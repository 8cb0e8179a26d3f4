import { AdmxUriError } from './errors.js';
import { locUriSegment } from './locUriSegment.js';

/**
 * Which ingestion branch of the Policy CSP an ADMX file goes to: `Policy` for policies (written
 * under `Software\Policies`), `Preference` for preferences.
 */
export type AdmxSettingType = 'Policy' | 'Preference';

/** @internal shared check of the setting type, which arrives from configuration at runtime. */
export function checkSettingType(settingType: unknown): AdmxSettingType {
  if (settingType !== 'Policy' && settingType !== 'Preference') {
    throw new AdmxUriError(`settingType must be "Policy" or "Preference", got ${JSON.stringify(settingType)}`);
  }
  return settingType;
}

/**
 * The LocURI that ingests an ADMX file on a device:
 * `./Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/{AppName}/{SettingType}/{FileUid}`.
 * The file's content is the `Add`'s data. Each name is percent-escaped like the policy URIs
 * (`~` and `/` included), so an app name is spelled the same way in both.
 *
 * @example
 * ```ts
 * admxInstallUri('ContosoCompanyApp', 'Policy', 'AppAdmxFile01');
 * // './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/ContosoCompanyApp/Policy/AppAdmxFile01'
 * ```
 */
export function admxInstallUri(appName: string, settingType: AdmxSettingType, fileUid: string): string {
  const type = checkSettingType(settingType);
  return `./Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/${locUriSegment(appName, 'appName')}/${type}/${locUriSegment(fileUid, 'fileUid')}`;
}

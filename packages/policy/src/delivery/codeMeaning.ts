import { statusCodeMeaning } from '@winmdm/syncml';
import type { NodeKind } from '../plan/Plan.js';

/** Windows Installer results an MSI install reports (Alert 1224 `win32csp_install`) that admins meet most. */
const INSTALLER_RESULTS: ReadonlyMap<number, string> = new Map([
  [1602, 'installer: cancelled by the user'],
  [1603, 'installer: fatal error during installation'],
  [1618, 'installer: another installation is in progress'],
  [1619, 'installer: the package could not be opened'],
  [1620, 'installer: the package is not a valid Windows Installer package'],
  [1625, 'installer: prohibited by system policy'],
  [1638, 'installer: another version of the product is installed'],
  [1641, 'installer: succeeded, restart started'],
  [3010, 'installer: succeeded, restart required'],
]);

/**
 * A short meaning of the code a node's state carries: a SyncML status code by its meaning
 * (`statusCodeMeaning`: 404 "node not found", 405 "not allowed (read-only node?)", 418 "already
 * exists", 500 "command failed", …), and for an MSI node the result its installer reported.
 *
 * @example
 * ```ts
 * codeMeaning(404);          // 'node not found'
 * codeMeaning(1603, 'msi');  // 'installer: fatal error during installation'
 * ```
 */
export function codeMeaning(code: number, kind?: NodeKind): string {
  if (kind === 'msi' && (code < 100 || code > 599)) return INSTALLER_RESULTS.get(code) ?? `installer: error ${code}`;
  return statusCodeMeaning(code) ?? `code ${code}`;
}

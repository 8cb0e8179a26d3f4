const BRACED_GUID = /^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$/;
const MSI_ROOT = './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI';

/** The LocURIs of one MSI product in EnterpriseDesktopAppManagement (device scope). */
export interface MsiLocUris {
  /** The product code as written in LocURIs and in the `MsiInstallJob`: braced, upper case. */
  productCode: string;
  /** `.../MSI/{ProductCode}`: the `Delete` target that uninstalls the product. */
  product: string;
  /** `.../MSI/{ProductCode}/DownloadInstall`: the `Add` + `Exec` target, and the app's state key. */
  downloadInstall: string;
}

/**
 * The EnterpriseDesktopAppManagement LocURIs of an MSI product, or `undefined` when the product
 * code is not a braced GUID. The braces are written as they are: that is how Windows itself names
 * the node when it reports the install (`alert-1224-win32csp-install-learn.xml`), so the state key
 * matches the device's alert. (Learn's install example percent-encodes them, `%7B…%7D`; Windows
 * accepts both spellings of the same node.) The GUID is upper-cased, as Windows reports it.
 * Machine-wide installs only (`./Device`). Internal.
 */
export function msiLocUris(productCode: string): MsiLocUris | undefined {
  if (!BRACED_GUID.test(productCode)) return undefined;
  const code = productCode.toUpperCase();
  const product = `${MSI_ROOT}/${code}`;
  return { productCode: code, product, downloadInstall: `${product}/DownloadInstall` };
}

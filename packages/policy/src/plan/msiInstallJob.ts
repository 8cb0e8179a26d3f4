/** What one MSI install needs: the chosen version, where to download it, its hash, how to run it. */
export interface MsiInstallJobInput {
  /** Braced product code, as in the LocURI. */
  productCode: string;
  version: string;
  contentUrl: string;
  /** SHA-256 of the MSI file, 64 hex digits. */
  sha256: string;
  /** `msiexec` options. */
  commandLine: string;
}

/** Minutes an install may run before Windows stops watching it (`TimeOut`). */
export const MSI_TIMEOUT_MINUTES = 10;
/** How often Windows retries a failed download or install (`RetryCount`). */
export const MSI_RETRY_COUNT = 3;
/** Minutes between those retries (`RetryInterval`). */
export const MSI_RETRY_INTERVAL_MINUTES = 5;

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/**
 * The `MsiInstallJob` document that the `Exec` of `.../MSI/{ProductCode}/DownloadInstall`
 * carries (EnterpriseDesktopAppManagement CSP): product version, one content URL, the SHA-256
 * `FileHash` (upper-case hex, as in Microsoft's example) and the enforcement settings (command
 * line, timeout, retries). Compact, no whitespace between elements; values XML-escaped. Internal.
 *
 * @example
 * ```ts
 * msiInstallJob({ productCode: '{8F0C…}', version: '1.4.2.1187', contentUrl: 'https://…/app.msi', sha256: '9e7c…', commandLine: '/quiet' });
 * // '<MsiInstallJob id="{8F0C…}"><Product Version="1.4.2.1187"><Download><ContentURLList><ContentURL>https://…'
 * ```
 */
export function msiInstallJob(job: MsiInstallJobInput): string {
  return (
    `<MsiInstallJob id="${escapeXml(job.productCode)}">` +
    `<Product Version="${escapeXml(job.version)}">` +
    `<Download><ContentURLList><ContentURL>${escapeXml(job.contentUrl)}</ContentURL></ContentURLList></Download>` +
    `<Validation><FileHash>${escapeXml(job.sha256.toUpperCase())}</FileHash></Validation>` +
    `<Enforcement><CommandLine>${escapeXml(job.commandLine)}</CommandLine>` +
    `<TimeOut>${MSI_TIMEOUT_MINUTES}</TimeOut><RetryCount>${MSI_RETRY_COUNT}</RetryCount>` +
    `<RetryInterval>${MSI_RETRY_INTERVAL_MINUTES}</RetryInterval></Enforcement>` +
    `</Product></MsiInstallJob>`
  );
}

import type { NodeKind } from '../plan/Plan.js';

/**
 * A kind of node that drift detection cannot read back, and why. `always`: it is never read
 * (reading it would not show what was sent), and is reported `unverifiable` when its turn comes;
 * `not-found`: it is read, and a 404 means "cannot be read back", not "gone" (else a 404 for an
 * applied node is drift).
 */
export interface UnverifiableNode {
  /** Which nodes: by state key (normalised LocURI), by kind, or by the value sent. */
  uri?: RegExp;
  kind?: NodeKind;
  value?: RegExp;
  when: 'always' | 'not-found';
  reason: string;
}

/** An ADMX-backed value as the planner sends it (canonical `<enabled/>…` or `<disabled/>`). */
const ADMX_PAYLOAD = /^(?:<enabled\/>|<disabled\/>)/;

/**
 * The nodes drift detection knows it cannot read back, with the reason for each: the one table of
 * them. Matched in order; the first entry that matches decides.
 */
export const UNVERIFIABLE_NODES: readonly UnverifiableNode[] = Object.freeze([
  {
    kind: 'admx-install',
    when: 'always',
    reason: 'an ingested ADMX file is not readable back: Policy/ConfigOperations/ADMXInstall keeps no copy a Get returns',
  },
  {
    kind: 'msi',
    when: 'always',
    reason: 'an MSI install is confirmed by the install report of the device (Alert 1224), not by reading DownloadInstall',
  },
  {
    uri: /^\.\/(?:Device|User)\/Vendor\/MSFT\/Policy\/Config\/[^/]+~(?:Policy|Preference)(?:~[^/]*)?\/[^/]+$/,
    when: 'not-found',
    reason: 'Windows answers 404 to a Get of a policy of an ingested ADMX file',
  },
  {
    uri: /^\.\/(?:Device|User)\/Vendor\/MSFT\/Policy\/Config\//,
    value: ADMX_PAYLOAD,
    when: 'not-found',
    reason: 'Windows answers 404 to a Get of an ADMX-backed Policy CSP node',
  },
  {
    uri: /\/Vendor\/MSFT\/WiFi\/Profile\/[^/]+\/WlanXml$/,
    when: 'always',
    reason: 'a Wi-Fi profile is returned without its key material, so it never equals the profile sent',
  },
  {
    uri: /\/Vendor\/MSFT\/VPNv2\/[^/]+\/ProfileXML$/,
    when: 'always',
    reason: 'a VPN profile is returned as Windows rebuilt it, without credentials, not as sent',
  },
  {
    uri: /\/Vendor\/MSFT\/ClientCertificateInstall\/PFXCertInstall\/[^/]+\/(?:PFXCertBlob|PFXCertPassword)$/,
    when: 'always',
    reason: 'a PFX certificate and its password are write-only',
  },
  {
    uri: /\/Vendor\/MSFT\/Accounts\/Users\/[^/]+\/Password$/,
    when: 'always',
    reason: 'an account password is write-only',
  },
  {
    uri: /^\.\/User\//,
    when: 'not-found',
    reason: 'a ./User node is read for the user of the session: for another user it answers 404',
  },
]);

/**
 * The entry of {@link UNVERIFIABLE_NODES} for a node, if any.
 *
 * @example
 * ```ts
 * unverifiableNode('./Device/Vendor/MSFT/WiFi/Profile/Corp/WlanXml', 'csp', '<WLANProfile/>')?.when; // 'always'
 * unverifiableNode('./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera', 'csp', '0');          // undefined
 * ```
 */
export function unverifiableNode(locUri: string, kind: NodeKind, value: string): UnverifiableNode | undefined {
  return UNVERIFIABLE_NODES.find(
    (entry) =>
      (entry.kind === undefined || entry.kind === kind) &&
      (entry.uri === undefined || entry.uri.test(locUri)) &&
      (entry.value === undefined || entry.value.test(value)),
  );
}

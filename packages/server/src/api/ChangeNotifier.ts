/**
 * Told when something changes what devices should receive. Today changes simply wait for each
 * device's next check-in; this is the one place where push notifications (WNS) will hook in to
 * wake the devices up.
 */
export interface ChangeNotifier {
  /** The listed devices' own documents changed (assignments, tags, overrides...). */
  devicesChanged(deviceIds: readonly string[]): Promise<void>;
  /** Policies, rules, catalogs or users of the organization changed: any of its devices may be affected. */
  organizationChanged(organizationId: string): Promise<void>;
}

/**
 * Alert codes of OMA-DM 1.2 that [MS-MDM] supports (section 2.2.7.2), as the `Data` of an `Alert`.
 * Alert `Data` is kept as the string that was sent; compare with `String(AlertCodes.X)` or
 * `Number(alert.data)`.
 *
 * @example
 * ```ts
 * const unenroll = message.body.some((c) => c.kind === 'Alert' && Number(c.data) === AlertCodes.GENERIC_ALERT
 *   && c.items.some((i) => i.meta?.type === 'com.microsoft:mdm.unenrollment.userrequest'));
 * ```
 */
export const AlertCodes = {
  /** Server-initiated management session (after a push/WNS wake-up). */
  SERVER_INITIATED_MGMT: 1200,
  /** Client-initiated management session: the first Alert of a device's check-in. */
  CLIENT_INITIATED_MGMT: 1201,
  /** Next message: the sender has more to send (multi-message packages, large objects). */
  NEXT_MESSAGE: 1222,
  /** Session abort. */
  SESSION_ABORT: 1223,
  /** Client event; Windows sends LoginStatus and sync type (`com.microsoft.mdm.synctype`) with it. */
  CLIENT_EVENT: 1224,
  /** No end of data: a large object ended without its last chunk. */
  NO_END_OF_DATA: 1225,
  /** Generic alert: results of asynchronous operations, unenrollment requests. */
  GENERIC_ALERT: 1226,
} as const;

/** One of the values of {@link AlertCodes}. */
export type KnownAlertCode = (typeof AlertCodes)[keyof typeof AlertCodes];

/**
 * The DM client's poll schedule written at enrollment (DMClient/Provider/{id}/Poll): the only way
 * to wake a device before push exists. A burst right after enrollment, so the first policies
 * arrive within minutes, then a steady interval. The defaults are Intune's: every 3 minutes for
 * 15 minutes, every 15 minutes for 2 hours, then every 8 hours.
 */
export interface PollSchedule {
  firstIntervalMinutes: number;
  firstRetries: number;
  secondIntervalMinutes: number;
  secondRetries: number;
  /** The steady interval, repeated forever. */
  steadyIntervalMinutes: number;
}

/** How enrollment issues certificates and configures devices. */
export interface EnrollmentSettings {
  /** The DM account's PROVIDER-ID (and the DMClient/Provider node name). Default `winmdm`. */
  providerId: string;
  /** The name Windows shows for the work account. Default `winmdm`. */
  serviceName: string;
  /** Validity of issued device certificates. Default 365 days. */
  certificateValidityDays: number;
  /** How many days before expiry the device starts renewing (WSTEP/Renew/RenewPeriod). Default 42. */
  renewPeriodDays: number;
  /** Days between renewal attempts that failed (WSTEP/Renew/RetryInterval). Default 7. */
  renewRetryIntervalDays: number;
  poll: PollSchedule;
  /** Enrollment attempts (Policy and Enrollment requests) one source address may make at once. Default 30. */
  rateLimitBurst: number;
  /** ... and how many more it regains per minute. Default 10. */
  rateLimitPerMinute: number;
}

/** What callers pass: any subset, the poll schedule too (the rest are the defaults). */
export type EnrollmentSettingsInput = Partial<Omit<EnrollmentSettings, 'poll'>> & { poll?: Partial<PollSchedule> };

/** The defaults of {@link EnrollmentSettings}. */
export const DEFAULT_ENROLLMENT_SETTINGS: EnrollmentSettings = {
  providerId: 'winmdm',
  serviceName: 'winmdm',
  certificateValidityDays: 365,
  renewPeriodDays: 42,
  renewRetryIntervalDays: 7,
  poll: { firstIntervalMinutes: 3, firstRetries: 5, secondIntervalMinutes: 15, secondRetries: 8, steadyIntervalMinutes: 480 },
  rateLimitBurst: 30,
  rateLimitPerMinute: 10,
};

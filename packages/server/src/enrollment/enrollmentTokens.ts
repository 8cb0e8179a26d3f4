import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { StoreTx } from '../store/Store.js';
import { hashToken } from '../api/authenticate.js';

/** The body of `POST /mdm/windows/enrollment-tokens` (and the CLI's flags). */
export const EnrollmentTokenRequestSchema = z.strictObject({
  /** When set, only this user may enroll with the token (the UsernameToken's Username must match). */
  email: z.email().max(320).optional(),
  /** How many devices may enroll with it (default: any number until it expires). */
  maxUses: z.int().min(1).max(1_000_000).optional(),
  /** Default 24 hours; at most a year. */
  expiresInHours: z.number().positive().max(8760).optional(),
});

/** Input of {@link createEnrollmentToken}. */
export type EnrollmentTokenRequest = z.infer<typeof EnrollmentTokenRequestSchema>;

/** What `POST /mdm/windows/enrollment-tokens` answers in `data`: the token, shown once. */
export const EnrollmentTokenSchema = z.object({ id: z.string(), token: z.string(), expiresAt: z.string() });

/** A new enrollment token: `token` is the secret a device enrolls with; only its hash is stored. */
export type EnrollmentToken = z.infer<typeof EnrollmentTokenSchema>;

const DEFAULT_HOURS = 24;

/**
 * Creates an enrollment token for `organizationId`. The secret is 32 random bytes (base64url,
 * prefixed `wmet_` so it is recognisable in logs and secret scanners); the store keeps only its
 * SHA-256, like API tokens.
 *
 * @example
 * ```ts
 * const { token } = await store.transaction((tx) => createEnrollmentToken(tx, 'org-1', { maxUses: 1 }, new Date()));
 * ```
 */
export async function createEnrollmentToken(
  tx: StoreTx,
  organizationId: string,
  request: EnrollmentTokenRequest,
  now: Date,
): Promise<EnrollmentToken> {
  const token = `wmet_${randomBytes(32).toString('base64url')}`;
  const id = `et_${randomBytes(9).toString('base64url')}`;
  const expiresAt = new Date(now.getTime() + (request.expiresInHours ?? DEFAULT_HOURS) * 3_600_000).toISOString();
  await tx.putEnrollmentToken({
    id,
    tokenSha256: hashToken(token),
    organizationId,
    email: request.email?.toLowerCase() ?? null,
    maxUses: request.maxUses ?? null,
    uses: 0,
    expiresAt,
    createdAt: now.toISOString(),
  });
  return { id, token, expiresAt };
}

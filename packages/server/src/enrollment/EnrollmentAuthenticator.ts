import type { StoreTx } from '../store/Store.js';
import { hashToken } from '../api/authenticate.js';

/**
 * The credentials of an enrollment request's WS-Security header: a UsernameToken (OnPremise:
 * the user's email and the enrollment token as password) or a BinarySecurityToken of type
 * `DeviceEnrollmentUserToken` (programmatic enrollment with `RegisterDeviceWithManagement`, and
 * the Federated flow's token from the authentication service).
 */
export type EnrollmentCredentials =
  | { kind: 'username'; username: string; password: string }
  | { kind: 'binary'; valueType: string; token: string; username?: string };

/** Who an enrollment is for, once the credentials are accepted. */
export interface EnrollmentPrincipal {
  organizationId: string;
  /** The enrolling user's email, when the credentials prove it (a token for that user, a federated identity). */
  email?: string;
  /** The username the device typed, as it typed it: a claim, never used to pick the device's user. */
  username?: string;
  /** What to record as how the device was enrolled (`enrollment-token:<id>`, `federated:<issuer>`, ...). */
  via: string;
}

/**
 * Accepts or refuses the credentials of Policy and Enrollment requests. `consume` is true for the
 * request that enrolls (WSTEP Issue) and false for GetPolicies, which only checks them, so a
 * single-use token survives the policy request. Runs in the enrollment's store transaction:
 * whatever it writes is rolled back when the enrollment fails.
 *
 * winmdm ships {@link TokenAuthenticator} (OnPremise). A Federated deployment implements this with
 * `policy: 'Federated'` and the URL of its authentication page; discovery then offers Federated.
 */
export interface EnrollmentAuthenticator {
  readonly policy: 'OnPremise' | 'Federated';
  /** Federated only: the page Windows opens to sign the user in ([MS-MDE2] AuthenticationServiceUrl). */
  readonly authenticationServiceUrl?: string;
  /** The principal, or a reason to refuse (shown in the fault and the log, never the secret itself). */
  authenticate(tx: StoreTx, credentials: EnrollmentCredentials, options: { consume: boolean; now: Date }): Promise<EnrollmentPrincipal | { refused: string }>;
}

/**
 * OnPremise authentication with winmdm's enrollment tokens: the password of the UsernameToken (or
 * the DeviceEnrollmentUserToken, plain or base64) is the token; when the token names an email,
 * the Username must be that email.
 */
export class TokenAuthenticator implements EnrollmentAuthenticator {
  readonly policy = 'OnPremise' as const;

  async authenticate(tx: StoreTx, credentials: EnrollmentCredentials, options: { consume: boolean; now: Date }): Promise<EnrollmentPrincipal | { refused: string }> {
    const candidates = credentials.kind === 'username' ? [credentials.password] : tokenCandidates(credentials.token);
    const username = (credentials.kind === 'username' ? credentials.username : credentials.username)?.trim().toLowerCase();
    for (const candidate of candidates) {
      const row = await tx.getEnrollmentToken(hashToken(candidate));
      if (!row) continue;
      const now = options.now.toISOString();
      if (row.expiresAt <= now) return { refused: 'the enrollment token has expired' };
      if (row.maxUses !== null && row.uses >= row.maxUses) return { refused: 'the enrollment token is used up' };
      if (row.email !== null && username === undefined) {
        // A DeviceEnrollmentUserToken carries no username: a token for one user has nothing to be checked against.
        return { refused: 'the enrollment token is for one user, and the request names none (programmatic enrollment needs a token issued without an email)' };
      }
      if (row.email !== null && username !== row.email) return { refused: 'the enrollment token is for another user' };
      if (options.consume && !(await tx.useEnrollmentToken(row.id, now))) return { refused: 'the enrollment token is used up' };
      // Only a token issued for an email proves who enrolls; any other username is a claim.
      return {
        organizationId: row.organizationId,
        ...(row.email !== null ? { email: row.email } : {}),
        ...(username ? { username } : {}),
        via: `enrollment-token:${row.id}`,
      };
    }
    return { refused: 'unknown enrollment token' };
  }
}

/** `RegisterDeviceWithManagement` base64-encodes the access token; other callers send it as it is. */
function tokenCandidates(token: string): string[] {
  const trimmed = token.trim();
  const decoded = /^[A-Za-z0-9+/=_-]+$/.test(trimmed) ? Buffer.from(trimmed, 'base64').toString('utf8') : '';
  return decoded !== '' && decoded !== trimmed && /^[\x21-\x7e]+$/.test(decoded) ? [trimmed, decoded] : [trimmed];
}

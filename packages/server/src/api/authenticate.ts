import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Store } from '../store/Store.js';
import { NoAuthTokenError, PermissionDeniedError } from '../ServerError.js';

/** The permissions the management API checks. */
export const Permissions = {
  deviceRead: 'mdm.windows.device.read',
  deviceUpdate: 'mdm.windows.device.update',
  deviceReport: 'mdm.windows.device.report',
  policyRead: 'mdm.windows.policy.read',
  policyUpdate: 'mdm.windows.policy.update',
  enrollmentCreate: 'mdm.windows.enrollment.create',
} as const;

/** Who is calling: the token's organization and permissions. */
export interface Caller {
  organizationId: string;
  permissions: ReadonlySet<string>;
  tokenName: string | null;
}

/** Tokens are stored as their SHA-256, so a copy of the database does not hand out API access. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The caller of an API request, from `Authorization: Bearer <token>`; no or an unknown token is 4002. */
export async function authenticate(store: Store, req: IncomingMessage): Promise<Caller> {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw new NoAuthTokenError();
  const row = await store.transaction((tx) => tx.getApiToken(hashToken(match[1] as string)));
  if (!row) throw new NoAuthTokenError({ presented: true });
  return { organizationId: row.organizationId, permissions: new Set(row.permissions), tokenName: row.name };
}

/** Throws {@link PermissionDeniedError} unless the caller holds `permission`. */
export function requirePermission(caller: Caller, permission: string): void {
  if (!caller.permissions.has(permission)) throw new PermissionDeniedError(permission);
}

import type { DeviceRow, JsonObject, StoreTx } from '../store/Store.js';
import { EntityNotFoundError } from '../ServerError.js';
import type { Caller } from './authenticate.js';

/**
 * What every route table of the management API shares: the caller's own devices and documents
 * (another organization's are "not found"), and opaque page cursors. Internal.
 */

/** A page cursor: the last id of the page before, opaque to the client. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/** The id a cursor stands for, or undefined when it is not one this server gave out. */
export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return id !== '' && encodeCursor(id) === cursor ? id : undefined;
}

/** A device of the caller's organization, locked for the rest of the transaction; another organization's is "not found". */
export async function ownDevice(tx: StoreTx, caller: Caller, id: string): Promise<DeviceRow> {
  const row = await tx.lockDevice(id);
  if (!row || row.organizationId !== caller.organizationId) throw new EntityNotFoundError('device');
  return row;
}

/** A document of the caller's organization (or a catalog entry shared by all); another organization's is "not found". */
export async function ownDocument(
  tx: StoreTx,
  caller: Caller,
  collection: 'policies' | 'mdm_users' | 'admx_files' | 'applications',
  id: string,
  entity: string,
): Promise<JsonObject> {
  const doc = await tx.getDocument(collection, id);
  const org = doc?.['organizationId'];
  // Catalog entries without an organization are shared by every organization.
  if (!doc || (org !== undefined && org !== caller.organizationId)) throw new EntityNotFoundError(entity);
  return doc;
}

import { checkBundle, type BundleIssue } from '@winmdm/policy';
import { Permissions } from '../api/authenticate.js';
import { ImportBundleSchema } from './ImportBundleSchema.js';

/**
 * {@link checkBundle} for the bundles `winmdm import` loads (and `winmdm resolve` reads): the fields
 * of {@link ImportBundleSchema} count as known, and API tokens may hold the management API's
 * permissions. Errors make {@link importBundle} refuse the bundle; warnings are the caller's to show.
 */
export function checkImportBundle(input: unknown): BundleIssue[] {
  return checkBundle(input, { schema: ImportBundleSchema, permissions: Object.values(Permissions) });
}

import { z } from 'zod';

/**
 * Catalog details of an effective application (`winPolicy.applicationsInfo[]`), derived by the
 * resolver: the catalog entry with the version chosen by `updatePolicy.allowedVersions`. Every field
 * is optional: the upstream example carries `{}`, and when no version is allowed the entry has no
 * `version`, `contentUrl` or `sha256`.
 */
export const ApplicationInfoSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  type: z.string().optional(),
  productCode: z.string().optional(),
  version: z.string().optional(),
  contentUrl: z.string().optional(),
  sha256: z.string().optional(),
  commandLine: z.string().optional(),
});

/** Catalog details of an effective application. */
export type ApplicationInfo = z.infer<typeof ApplicationInfoSchema>;

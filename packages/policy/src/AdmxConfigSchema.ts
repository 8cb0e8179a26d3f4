import { z } from 'zod';

/**
 * A reference from a policy to an ADMX file of the catalog (`winPolicy.admxConfigs[]`), keyed by
 * `winAdmxConfigId` (an `AdmxFile` id). The file is ingested on the device before any setting in
 * its namespace.
 */
export const AdmxConfigSchema = z.looseObject({
  winAdmxConfigId: z.string(),
});

/** A reference from a policy to an ADMX file of the catalog. */
export type AdmxConfig = z.infer<typeof AdmxConfigSchema>;

import { z } from 'zod';

/**
 * Catalog details of a referenced ADMX file (`winPolicy.admxConfigsInfo[]`), derived by the
 * resolver from the ADMX catalog. Every field is optional and `settingType` is any string because
 * upstream documents carry partial and free-form values here (the example shows `"Privacy"`).
 */
export const AdmxConfigInfoSchema = z.looseObject({
  id: z.string().optional(),
  appName: z.string().optional(),
  settingType: z.string().optional(),
  fileName: z.string().optional(),
  description: z.string().optional(),
});

/** Catalog details of a referenced ADMX file. */
export type AdmxConfigInfo = z.infer<typeof AdmxConfigInfoSchema>;

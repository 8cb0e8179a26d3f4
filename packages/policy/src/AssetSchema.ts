import { z } from 'zod';

/** A file the agent places on the device (`winPolicy.assets[]`), keyed by `mdmAssetId`. */
export const AssetSchema = z.looseObject({
  mdmAssetId: z.string(),
  location: z.string().optional(),
  assetName: z.string().optional(),
  scope: z.string().optional(),
});

/** A file the agent places on the device. */
export type Asset = z.infer<typeof AssetSchema>;

import { z } from 'zod';
import { parseWindowsVersion } from './parseWindowsVersion.js';

/**
 * One installable version of a catalog application: the MSI at `contentUrl` with its SHA-256, and
 * an optional `commandLine` for `msiexec`. `version` is a Windows version (1 to 4 parts, each at most
 * 65535).
 */
export const ApplicationVersionSchema = z.looseObject({
  version: z.string().refine((v) => parseWindowsVersion(v) !== undefined, {
    message: 'Expected a Windows version: 1 to 4 dot-separated numbers, each 0-65535',
  }),
  contentUrl: z.url({ protocol: /^https?$/ }),
  sha256: z.string().regex(/^[0-9A-Fa-f]{64}$/, 'Expected 64 hexadecimal digits'),
  commandLine: z.string().optional(),
});

/** One installable version of a catalog application. */
export type ApplicationVersion = z.infer<typeof ApplicationVersionSchema>;

/**
 * An application of the catalog, defined by winmdm (the upstream document references applications
 * by `winApplicationId` but does not spell them out). Only MSI packages for now (`type: "msi"`),
 * identified on the device by their `productCode`, a braced GUID.
 *
 * @example
 * ```ts
 * ApplicationSchema.parse({
 *   id: '507f1f77bcf86cd799439044',
 *   name: 'Contoso Company App',
 *   type: 'msi',
 *   productCode: '{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}',
 *   versions: [{ version: '1.0.0', contentUrl: 'https://cdn.example.com/app-1.0.0.msi', sha256: 'ab'.repeat(32) }],
 * });
 * ```
 */
export const ApplicationSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.literal('msi'),
  productCode: z
    .string()
    .regex(/^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$/, 'Expected a braced GUID'),
  versions: z.array(ApplicationVersionSchema),
});

/** An application of the catalog; see {@link ApplicationSchema}. */
export type Application = z.infer<typeof ApplicationSchema>;

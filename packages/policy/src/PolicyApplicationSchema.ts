import { z } from 'zod';

/**
 * What a policy asks for an application: install it (`required`), offer it for self-service
 * (`available`) or uninstall it (`remove`).
 */
export const ApplicationActionSchema = z.enum(['required', 'available', 'remove']);

/** What a policy asks for an application. */
export type ApplicationAction = z.infer<typeof ApplicationActionSchema>;

/**
 * An application entry of a Windows policy (`winPolicy.applications[]`), keyed by
 * `winApplicationId` (an id in the application catalog, see `ApplicationSchema`).
 * `updatePolicy.allowedVersions` is a node-semver range over Windows versions (3- or 4-part).
 *
 * @example
 * ```ts
 * PolicyApplicationSchema.parse({
 *   winApplicationId: '507f1f77bcf86cd799439044',
 *   action: 'required',
 *   updatePolicy: { autoUpdate: true, allowedVersions: '>=1.0.0 <2' },
 * });
 * ```
 */
export const PolicyApplicationSchema = z.looseObject({
  winApplicationId: z.string(),
  configuration: z.record(z.string(), z.unknown()).optional(),
  action: ApplicationActionSchema.optional(),
  updatePolicy: z
    .looseObject({
      autoUpdate: z.boolean().optional(),
      allowedVersions: z.string().optional(),
    })
    .optional(),
});

/** An application entry of a Windows policy; see {@link PolicyApplicationSchema}. */
export type PolicyApplication = z.infer<typeof PolicyApplicationSchema>;

import { z } from 'zod';

/**
 * The MDM user a device belongs to (`device.mdmUser`). The upstream document shows `id` and `email`;
 * any other field passes through and can be matched by automation-rule criteria
 * (`user.<field>:<value>`), as can the fields of an optional `attributes` object.
 *
 * @example
 * ```ts
 * MdmUserSchema.parse({ id: '507f1f77bcf86cd799439066', email: 'ana@example.com', department: 'Sales' });
 * ```
 */
export const MdmUserSchema = z.looseObject({
  id: z.string().optional(),
  email: z.string().optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
});

/** The MDM user a device belongs to; see {@link MdmUserSchema}. */
export type MdmUser = z.infer<typeof MdmUserSchema>;

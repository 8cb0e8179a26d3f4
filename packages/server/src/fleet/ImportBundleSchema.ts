import { z } from 'zod';
import { BundleSchema, DeviceSchema, MdmUserSchema } from '@winmdm/policy';

const Thumbprint = z
  .string()
  .transform((v) => v.replace(/[\s:]/g, '').toUpperCase())
  .pipe(z.string().regex(/^([0-9A-F]{40}|[0-9A-F]{64})$/, 'Expected a SHA-1 (40) or SHA-256 (64) hex thumbprint'));

/** An organization with its billing plan. */
export const OrganizationSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  plan: z
    .looseObject({
      name: z.string().optional(),
      features: z.array(z.string()),
      limits: z.looseObject({ winPolicyAssignments: z.number().int().nonnegative().optional() }).optional(),
    })
    .optional(),
});

/** An API token as a bundle carries it (only its SHA-256 is stored). */
export const ApiTokenSchema = z.strictObject({
  token: z.string().min(16, 'Tokens must be at least 16 characters'),
  organizationId: z.string().min(1),
  permissions: z.array(z.string()),
  name: z.string().optional(),
});

/** A user of the MDM; its attributes are what `user.<field>:<value>` audience criteria read. */
export const MdmUserRecordSchema = MdmUserSchema.extend({ id: z.string().min(1), organizationId: z.string().min(1) });

/** A device in a bundle: the upstream device document, plus the thumbprints of its client certificates. */
export const ImportDeviceSchema = DeviceSchema.extend({
  organizationId: z.string().min(1),
  certificateThumbprints: z.array(Thumbprint).optional(),
});

/**
 * The bundle `winmdm import` loads: the format of `winmdm resolve` (`@winmdm/policy`'s
 * `BundleSchema`) extended with organizations and their billing plans, API tokens, users, and
 * per-device certificate thumbprints.
 */
export const ImportBundleSchema = BundleSchema.extend({
  devices: z.array(ImportDeviceSchema),
  organizations: z.array(OrganizationSchema).optional(),
  apiTokens: z.array(ApiTokenSchema).optional(),
  mdmUsers: z.array(MdmUserRecordSchema).optional(),
});

export type ImportBundle = z.infer<typeof ImportBundleSchema>;

import { z } from 'zod';
import { AdmxConfigInfoSchema } from './AdmxConfigInfoSchema.js';
import { AdmxConfigSchema } from './AdmxConfigSchema.js';
import { AgentConfigurationSchema } from './AgentConfigurationSchema.js';
import { ApplicationInfoSchema } from './ApplicationInfoSchema.js';
import { AssetSchema } from './AssetSchema.js';
import { BookmarkSchema } from './BookmarkSchema.js';
import { ConfigSchema } from './ConfigValueSchema.js';
import { IsoTimestampSchema } from './IsoTimestampSchema.js';
import { PolicyApplicationSchema } from './PolicyApplicationSchema.js';
import { ScriptSchema } from './ScriptSchema.js';

/**
 * A Windows policy document as the upstream API defines it: CSP values by OMA-URI (`config`),
 * applications, bookmarks, scripts, ADMX references, agent settings and assets, with the derived
 * `*Info` lists and metadata.
 *
 * Every field is optional because the upstream document embeds policies as `{}` (in
 * `winPolicyAssignments[].winPolicy`) and because the resolver's `deviceWinPolicy` has no identity
 * when the device has no base policy. A policy without `id` cannot be referenced, so the resolver
 * reports it (`missing-id`). Unknown fields pass through.
 *
 * @example
 * ```ts
 * const policy = WinPolicySchema.parse({
 *   id: '507f1f77bcf86cd7994390aa',
 *   name: 'Corporate Security Baseline',
 *   config: { './Device/Vendor/MSFT/Policy/Config/Security/RequireDeviceEncryption': '1' },
 * });
 * ```
 */
export const WinPolicySchema = z.looseObject({
  id: z.string().optional(),
  organizationId: z.string().optional(),
  winEnterpriseId: z.string().optional(),
  name: z.string().optional(),
  config: ConfigSchema.optional(),
  applications: z.array(PolicyApplicationSchema).optional(),
  applicationsInfo: z.array(ApplicationInfoSchema).optional(),
  bookmarks: z.array(BookmarkSchema).optional(),
  scripts: z.array(ScriptSchema).optional(),
  scriptsInfo: z.array(z.looseObject({})).optional(),
  admxConfigs: z.array(AdmxConfigSchema).optional(),
  admxConfigsInfo: z.array(AdmxConfigInfoSchema).optional(),
  agentConfiguration: AgentConfigurationSchema.optional(),
  assets: z.array(AssetSchema).optional(),
  assetsInfo: z.array(z.looseObject({})).optional(),
  /**
   * winmdm's drift detection for this policy's values: `enabled` reads them back periodically
   * (`false` opts out of a server-wide `--verify-interval`); `remediate` (default true) sends a
   * drifted value again, else it is only reported.
   */
  driftDetection: z.looseObject({ enabled: z.boolean().optional(), remediate: z.boolean().optional() }).optional(),
  version: z.number().optional(),
  segmentId: z.string().optional(),
  updatedAt: IsoTimestampSchema.optional(),
  createdAt: IsoTimestampSchema.optional(),
});

/** A Windows policy document; see {@link WinPolicySchema}. */
export type WinPolicy = z.infer<typeof WinPolicySchema>;

import { z } from 'zod';
import { AdmxFileSchema } from './AdmxFileSchema.js';
import { ApplicationSchema } from './ApplicationSchema.js';
import { AutomationRuleSchema } from './AutomationRuleSchema.js';
import { DeviceSchema } from './DeviceSchema.js';
import { WinPolicySchema } from './WinPolicySchema.js';

/**
 * A bundle: everything needed to resolve devices offline, in one JSON document (what
 * `winmdm resolve` reads and `fixtures/bundles/seed.json` holds). Unknown fields pass through so
 * that a server can keep more in it.
 *
 * @example
 * ```ts
 * const bundle = BundleSchema.parse(JSON.parse(text));
 * const device = bundle.devices[0]!;
 * resolveEffectivePolicy({ device, policies: bundle.policies, automationRules: bundle.automationRules });
 * ```
 */
export const BundleSchema = z.looseObject({
  devices: z.array(DeviceSchema),
  policies: z.array(WinPolicySchema),
  automationRules: z.array(AutomationRuleSchema).optional(),
  applications: z.array(ApplicationSchema).optional(),
  admxFiles: z.array(AdmxFileSchema).optional(),
});

/** A bundle of devices, policies and catalogs; see {@link BundleSchema}. */
export type Bundle = z.infer<typeof BundleSchema>;

import { z } from 'zod';

/**
 * Settings of the winmdm agent (`winPolicy.agentConfiguration`). The resolver merges it per field,
 * unknown fields included.
 */
export const AgentConfigurationSchema = z.looseObject({
  enabled: z.boolean().optional(),
  buildTag: z.string().optional(),
  allowLocation: z.boolean().optional(),
  allowNetworkStatus: z.boolean().optional(),
  allowPackageTime: z.boolean().optional(),
  allowPackageTransfer: z.boolean().optional(),
});

/** Settings of the winmdm agent. */
export type AgentConfiguration = z.infer<typeof AgentConfigurationSchema>;

import { z } from 'zod';

/**
 * A device audience of an automation rule: `criteria` in the syntax of enforced assignments'
 * `reasons` (`tag:<tag>`, `user.<field>:<value>`, `segment:<id>`), combined by `match`: `any`
 * (the default when absent) or `all`.
 */
export const DeviceAudienceSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  criteria: z.array(z.string()),
  match: z.enum(['any', 'all']).optional(),
});

/** A device audience of an automation rule. */
export type DeviceAudience = z.infer<typeof DeviceAudienceSchema>;

/**
 * An automation rule, defined by winmdm (the upstream document shows only its trace in
 * `winPolicyAssignmentsEnforced[].automationRule`): it enforces `winPolicyId` at `priority` on every
 * device that matches at least one of its audiences.
 *
 * @example
 * ```ts
 * AutomationRuleSchema.parse({
 *   id: '698f42e5457fafa13d08879d',
 *   name: 'Sales Team iOS Policies',
 *   winPolicyId: '698f42e5457fafa13d0887a3',
 *   priority: 1,
 *   deviceAudiences: [
 *     { id: '698f42e5457fafa13d0887a7', name: 'Sales Department', criteria: ['tag:sales', 'user.department:Sales'], match: 'any' },
 *   ],
 * });
 * ```
 */
export const AutomationRuleSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  winPolicyId: z.string(),
  priority: z.number(),
  deviceAudiences: z.array(DeviceAudienceSchema),
});

/** An automation rule; see {@link AutomationRuleSchema}. */
export type AutomationRule = z.infer<typeof AutomationRuleSchema>;

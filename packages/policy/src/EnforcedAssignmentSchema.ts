import { z } from 'zod';
import { WinPolicySchema } from './WinPolicySchema.js';

/** A device audience of an automation rule that matched, with the criteria that held. */
export const MatchedAudienceSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  reasons: z.array(z.string()),
});

/** A device audience of an automation rule that matched. */
export type MatchedAudience = z.infer<typeof MatchedAudienceSchema>;

/**
 * A policy enforced on a device by an automation rule (`device.winPolicyAssignmentsEnforced[]`):
 * the rule, the audiences that matched and the `reasons` (criteria) that held. Enforced policies
 * beat every other layer; among themselves they are ordered like assignments (lower `priority`
 * wins, then the smaller `winPolicyId`).
 *
 * @example
 * ```ts
 * EnforcedAssignmentSchema.parse({
 *   winPolicyId: '698f42e5457fafa13d0887a3',
 *   priority: 1,
 *   automationRule: {
 *     id: '698f42e5457fafa13d08879d',
 *     name: 'Sales Team iOS Policies',
 *     deviceAudiences: [{ id: '698f42e5457fafa13d0887a7', name: 'Sales Department', reasons: ['tag:sales'] }],
 *   },
 * });
 * ```
 */
export const EnforcedAssignmentSchema = z.looseObject({
  winPolicyId: z.string(),
  priority: z.number(),
  winPolicy: WinPolicySchema.optional(),
  automationRule: z.looseObject({
    id: z.string(),
    name: z.string(),
    deviceAudiences: z.array(MatchedAudienceSchema),
  }),
});

/** A policy enforced on a device by an automation rule; see {@link EnforcedAssignmentSchema}. */
export type EnforcedAssignment = z.infer<typeof EnforcedAssignmentSchema>;

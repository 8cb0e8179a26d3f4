import { z } from 'zod';
import { WinPolicySchema } from './WinPolicySchema.js';

/**
 * A policy assigned to a device (`device.winPolicyAssignments[]`). A lower `priority` number wins
 * (0 beats 1); at equal priority the smaller `winPolicyId` wins. Responses may embed the policy
 * document (`winPolicy`, possibly `{}`); the resolver ignores it and uses the policy documents it is
 * given.
 *
 * @example
 * ```ts
 * WinPolicyAssignmentSchema.parse({ winPolicyId: '698f42e5457fafa13d0887a3', priority: 1 });
 * ```
 */
export const WinPolicyAssignmentSchema = z.looseObject({
  winPolicyId: z.string(),
  priority: z.number(),
  winPolicy: WinPolicySchema.optional(),
});

/** A policy assigned to a device; see {@link WinPolicyAssignmentSchema}. */
export type WinPolicyAssignment = z.infer<typeof WinPolicyAssignmentSchema>;

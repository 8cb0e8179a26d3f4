import { z } from 'zod';

/**
 * The body of the upstream "update Windows device" request. Every field is optional (a partial
 * update) and unknown fields are rejected, so that a misspelt field is a 400 rather than a silent
 * no-op. Assignments are strict too.
 *
 * @example
 * ```ts
 * UpdateDeviceRequestSchema.parse({ tags: ['finance'], winPolicyAssignments: [{ winPolicyId: 'p1', priority: 0 }] });
 * UpdateDeviceRequestSchema.safeParse({ tag: ['finance'] }).success; // false: unrecognized key "tag"
 * ```
 */
export const UpdateDeviceRequestSchema = z.strictObject({
  displayName: z.string().optional(),
  tags: z.array(z.string()).optional(),
  mdmUserId: z.string().optional(),
  winPolicyId: z.string().optional(),
  winPolicyAssignments: z.array(z.strictObject({ winPolicyId: z.string(), priority: z.number() })).optional(),
  segmentId: z.string().optional(),
});

/** The body of the upstream "update Windows device" request. */
export type UpdateDeviceRequest = z.infer<typeof UpdateDeviceRequestSchema>;

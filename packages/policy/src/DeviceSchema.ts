import { z } from 'zod';
import { ConfigSchema } from './ConfigValueSchema.js';
import { EnforcedAssignmentSchema } from './EnforcedAssignmentSchema.js';
import { IsoTimestampSchema } from './IsoTimestampSchema.js';
import { LastLocationSchema } from './LastLocationSchema.js';
import { MdmUserSchema } from './MdmUserSchema.js';
import { ScriptSchema } from './ScriptSchema.js';
import { StateHistoryEntrySchema } from './StateHistoryEntrySchema.js';
import { SummarySchema } from './SummarySchema.js';
import { WinPolicyAssignmentSchema } from './WinPolicyAssignmentSchema.js';
import { WinPolicySchema } from './WinPolicySchema.js';

/**
 * A Windows device as the upstream API returns it. Only `id` is required; unknown fields pass
 * through. Besides the fields of the example response it carries what the update request sets
 * (`winPolicyId`, `mdmUserId`, `segmentId`): the resolver reads the base policy from `winPolicyId`
 * (falling back to `winPolicy.id`), the layers from `winPolicyAssignments`, `config` and
 * `winPolicyAssignmentsEnforced`, and audience criteria from `tags`, `mdmUser` and `segmentId`.
 *
 * @example
 * ```ts
 * const device = DeviceSchema.parse({
 *   id: '507f1f77bcf86cd799439011',
 *   tags: ['sales'],
 *   winPolicyId: '507f1f77bcf86cd7994390aa',
 *   winPolicyAssignments: [{ winPolicyId: '698f42e5457fafa13d0887a3', priority: 1 }],
 * });
 * ```
 */
export const DeviceSchema = z.looseObject({
  id: z.string(),
  organizationId: z.string().optional(),
  winEnterpriseId: z.string().optional(),
  mdmUser: MdmUserSchema.optional(),
  mdmUserId: z.string().optional(),
  displayName: z.string().optional(),
  tags: z.array(z.string()).optional(),
  winId: z.string().optional(),
  state: z.string().optional(),
  config: ConfigSchema.optional(),
  configDates: z.record(z.string(), IsoTimestampSchema).optional(),
  customConfig: z.record(z.string(), z.unknown()).optional(),
  summary: SummarySchema.optional(),
  scripts: z.array(ScriptSchema).optional(),
  scriptsInfo: z.array(z.looseObject({})).optional(),
  lastStatusReportTime: IsoTimestampSchema.optional(),
  type: z.string().optional(),
  segmentId: z.string().optional(),
  winPolicyId: z.string().optional(),
  winPolicy: WinPolicySchema.optional(),
  deviceWinPolicy: WinPolicySchema.optional(),
  winPolicyAssignments: z.array(WinPolicyAssignmentSchema).optional(),
  winPolicyAssignmentsEnforced: z.array(EnforcedAssignmentSchema).optional(),
  subType: z.string().optional(),
  stateHistory: z.array(StateHistoryEntrySchema).optional(),
  lastLocation: LastLocationSchema.optional(),
  refreshInfoNeeded: z.array(z.string()).optional(),
  enrolledDate: IsoTimestampSchema.optional(),
  updatedAt: IsoTimestampSchema.optional(),
  createdAt: IsoTimestampSchema.optional(),
});

/** A Windows device; see {@link DeviceSchema}. */
export type Device = z.infer<typeof DeviceSchema>;

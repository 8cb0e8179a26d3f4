import { z } from 'zod';
import { IsoTimestampSchema, NODE_STATUSES, StateHistoryEntrySchema, type NodeStatus } from '@winmdm/policy';

/** The state of one node, as a report carries it (the fields of the device document's `configStatus`). */
export const NodeStatusSchema = z.looseObject({
  kind: z.string(),
  value: z.string().nullable(),
  status: z.enum(NODE_STATUSES as [NodeStatus, ...NodeStatus[]]),
  code: z.number().int().optional(),
  actual: z.string().nullable().optional(),
  tries: z.number().int().min(0).optional(),
  retryAt: IsoTimestampSchema.optional(),
  checkedAt: IsoTimestampSchema.optional(),
  policyId: z.string().optional(),
  date: IsoTimestampSchema,
});

/**
 * What a sync agent posts after each session of a device
 * (`POST /mdm/windows/devices/{id}/reports`, permission `mdm.windows.device.report`).
 * `reportId` makes delivery idempotent: a report the upstream already applied (a retry after a
 * lost answer) is acknowledged again and applied no second time.
 */
export const DeviceReportSchema = z.strictObject({
  reportId: z.string().min(1).max(200),
  winId: z.string().optional(),
  lastStatusReportTime: IsoTimestampSchema,
  /** A patch of the device's `summary` (what DevInfo and inventory Results said). */
  summary: z.record(z.string(), z.unknown()).optional(),
  /** The nodes whose state changed in the session, by LocURI. */
  configStatus: z.record(z.string(), NodeStatusSchema).optional(),
  /** Nodes removed from the device in the session. */
  removedNodes: z.array(z.string()).optional(),
  configDates: z.record(z.string(), IsoTimestampSchema).optional(),
  stateHistory: z.array(StateHistoryEntrySchema).optional(),
  loginStatus: z.looseObject({ value: z.string(), date: IsoTimestampSchema }).optional(),
  applicationStatus: z.record(z.string(), z.looseObject({ status: z.string(), code: z.number(), date: IsoTimestampSchema })).optional(),
  enrollment: z.looseObject({ state: z.string(), date: IsoTimestampSchema }).optional(),
  inventory: z.record(z.string(), z.unknown()).optional(),
});

export type DeviceReport = z.infer<typeof DeviceReportSchema>;

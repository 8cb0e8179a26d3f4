import { DeviceSchema } from '@winmdm/policy';
import { z } from 'zod';
import { NodeStatusSchema } from '../upstream/DeviceReportSchema.js';

/** A setting held back after failing too many sessions in a row (the device document's `quarantined`). */
export const QuarantinedSettingSchema = z.looseObject({
  locUri: z.string(),
  code: z.number().int().optional(),
  meaning: z.string().optional(),
  tries: z.number().int(),
  since: z.string(),
});

/**
 * The device document the management API answers: the upstream device, plus what the server
 * knows of each node (`configStatus`, by LocURI: state, code and its meaning, what a drifted node
 * holds, tries and retry time, last read-back, the policy the value comes from) and the settings
 * held back in quarantine.
 */
export const DeviceDocumentSchema = DeviceSchema.extend({
  configStatus: z.record(z.string(), NodeStatusSchema.extend({ meaning: z.string().optional() })).optional(),
  quarantined: z.array(QuarantinedSettingSchema).optional(),
});

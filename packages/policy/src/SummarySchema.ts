import { z } from 'zod';
import { IsoTimestampSchema } from './IsoTimestampSchema.js';

/** A device's compliance state inside its {@link SummarySchema | summary}. */
export const ComplianceSchema = z.looseObject({
  compliant: z.boolean().optional(),
  lastCheck: IsoTimestampSchema.optional(),
});

/** A device's compliance state. */
export type Compliance = z.infer<typeof ComplianceSchema>;

/**
 * The inventory summary of a device (`device.summary`): what the device reported about itself
 * (DevDetail / DevInfo / DeviceStatus), refreshed when `refreshInfoNeeded` asks for it.
 */
export const SummarySchema = z.looseObject({
  name: z.string().optional(),
  osVersion: z.string().optional(),
  osVersionName: z.string().optional(),
  os: z.string().optional(),
  serialNumber: z.string().optional(),
  imei: z.string().optional(),
  battery: z.string().optional(),
  expirationTimestamp: IsoTimestampSchema.optional(),
  supervised: z.boolean().optional(),
  image: z.string().optional(),
  compliance: ComplianceSchema.optional(),
});

/** The inventory summary of a device; see {@link SummarySchema}. */
export type Summary = z.infer<typeof SummarySchema>;

import { z } from 'zod';
import { IsoTimestampSchema } from './IsoTimestampSchema.js';

/**
 * One reason a device is not compliant (see `evaluateCompliance`): a setting and its state, with
 * the device's status code and its meaning when the state carries one.
 */
export const ComplianceReasonSchema = z.looseObject({
  /** The setting's LocURI; for `unresolved`, the path of what the desired state references and is missing. */
  setting: z.string(),
  /** A per-setting state other than `applied`, `verified` and `unverifiable`, or `unresolved`. */
  state: z.string(),
  code: z.number().int().optional(),
  meaning: z.string().optional(),
});

/**
 * A device's compliance state inside its {@link SummarySchema | summary}, evaluated by the server
 * when a device session ends (never when the device is read): `compliant`, the time of the
 * evaluation (`lastCheck`), why not (`reasons`, worst first, at most 20) and how many reasons
 * there are in all (`reasonCount`). Other fields an upstream sets pass through.
 */
export const ComplianceSchema = z.looseObject({
  compliant: z.boolean().optional(),
  lastCheck: IsoTimestampSchema.optional(),
  reasons: z.array(ComplianceReasonSchema).optional(),
  reasonCount: z.number().int().nonnegative().optional(),
});

/** A device's compliance state. */
export type Compliance = z.infer<typeof ComplianceSchema>;

/** One reason a device is not compliant; see {@link ComplianceReasonSchema}. */
export type ComplianceReasonDocument = z.infer<typeof ComplianceReasonSchema>;

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

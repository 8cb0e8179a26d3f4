import { z } from 'zod';
import { IsoTimestampSchema } from './IsoTimestampSchema.js';

/**
 * One entry of `device.stateHistory`: a state the device entered (e.g. `ACTIVE`), when, and a free
 * `config` object describing why (e.g. `{ reason: 'initial-enrollment' }`).
 */
export const StateHistoryEntrySchema = z.looseObject({
  state: z.string(),
  date: IsoTimestampSchema,
  config: z.record(z.string(), z.unknown()).optional(),
});

/** One entry of `device.stateHistory`. */
export type StateHistoryEntry = z.infer<typeof StateHistoryEntrySchema>;

import { z } from 'zod';
import { IsoTimestampSchema } from './IsoTimestampSchema.js';

/**
 * A script the agent runs (`winPolicy.scripts[]`, also `device.scripts[]`), keyed by `id`. `type`
 * says how often (the upstream document shows `once`); `loopTime` is the period for repeating
 * scripts; `runner` the interpreter (e.g. `powershell.exe`).
 */
export const ScriptSchema = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  loopTime: z.number().optional(),
  resetDate: IsoTimestampSchema.optional(),
  arguments: z.string().optional(),
  argumentsProcessed: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  runner: z.string().optional(),
});

/** A script the agent runs; see {@link ScriptSchema}. */
export type Script = z.infer<typeof ScriptSchema>;

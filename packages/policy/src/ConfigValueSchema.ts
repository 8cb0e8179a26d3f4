import { z } from 'zod';

/** The SyncML `Meta/Format` a config value may ask for explicitly. */
export const ConfigValueFormatSchema = z.enum(['int', 'bool', 'chr', 'xml', 'b64', 'float']);

/** The SyncML `Meta/Format` a config value may ask for explicitly. */
export type ConfigValueFormat = z.infer<typeof ConfigValueFormatSchema>;

const ScalarSchema = z.union([z.string(), z.number(), z.boolean()]);

/**
 * The value of one OMA-URI key in a policy's (or device's) `config`:
 * - a bare string, number or boolean (the format follows from the type and the CSP);
 * - `{ value, format? }`: a scalar with an explicit SyncML format;
 * - `{ state, data? }`: an ADMX-backed policy, enabled or disabled, with its element values by
 *   element id (a list element takes a string array). The pre-encoded form
 *   (`"<enabled/><data id=.../>"`) is simply a string.
 *
 * The two object forms are strict (unknown fields rejected): they are this project's own format, and
 * a misspelt `fromat` must not be ignored silently.
 *
 * @example
 * ```ts
 * ConfigValueSchema.parse('1');
 * ConfigValueSchema.parse({ value: 1, format: 'int' });
 * ConfigValueSchema.parse({ state: 'enabled', data: { L_ServerAddressInternal_VALUE: 'sip.contoso.com' } });
 * ```
 */
export const ConfigValueSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.strictObject({ value: ScalarSchema, format: ConfigValueFormatSchema.optional() }),
  z.strictObject({
    state: z.enum(['enabled', 'disabled']),
    data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).optional(),
  }),
]);

/** The value of one OMA-URI config key; see {@link ConfigValueSchema}. */
export type ConfigValue = z.infer<typeof ConfigValueSchema>;

/** A `config` object: OMA-URI key to value. */
export const ConfigSchema = z.record(z.string(), ConfigValueSchema);

/** A `config` object: OMA-URI key to value. */
export type Config = z.infer<typeof ConfigSchema>;

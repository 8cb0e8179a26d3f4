import { z } from 'zod';
import { DeviceSchema } from './DeviceSchema.js';

/** The success envelope of the upstream device endpoints: `{ status: true, data: Device }`. */
export const DeviceResponseSchema = z.looseObject({
  status: z.literal(true),
  data: DeviceSchema,
});

/** The success envelope of the upstream device endpoints. */
export type DeviceResponse = z.infer<typeof DeviceResponseSchema>;

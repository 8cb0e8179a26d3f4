import { z } from 'zod';
import { IsoTimestampSchema } from './IsoTimestampSchema.js';

/** A postal address of a location report. */
const AddressSchema = z.looseObject({
  address: z.string().optional(),
  number: z.string().optional(),
  postalCode: z.string().optional(),
  city: z.string().optional(),
  country: z.string().optional(),
});

/** One location report of a device: from the agent or derived from the IP address. */
export const LocationReportSchema = z.looseObject({
  origin: z.string().optional(),
  date: IsoTimestampSchema.optional(),
  latitude: z.number().optional(),
  longitude: z.number().optional(),
  ip: z.string().optional(),
  lastReportDate: IsoTimestampSchema.optional(),
  address: AddressSchema.optional(),
});

/** One location report of a device. */
export type LocationReport = z.infer<typeof LocationReportSchema>;

/** `device.lastLocation`: the last report per origin (`agent`, `ip`). */
export const LastLocationSchema = z.looseObject({
  agent: LocationReportSchema.optional(),
  ip: LocationReportSchema.optional(),
});

/** `device.lastLocation`. */
export type LastLocation = z.infer<typeof LastLocationSchema>;

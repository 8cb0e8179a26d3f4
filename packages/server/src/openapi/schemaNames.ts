import {
  AdmxFileSchema,
  ApplicationSchema,
  DeviceSchema,
  ExplanationSchema,
  UpdateDeviceRequestSchema,
  WinPolicySchema,
} from '@winmdm/policy';
import type { z } from 'zod';
import { ReportAcceptedSchema } from '../api/createApiRoutes.js';
import { DeviceResendResultSchema, PolicyStatusSchema, RefreshResultSchema, ResendResultSchema } from '../api/deliveryRoutes.js';
import { DeviceDocumentSchema } from '../fleet/DeviceDocumentSchema.js';
import { ReadinessSchema } from '../health/checkReadiness.js';
import { DeviceReportSchema } from '../upstream/DeviceReportSchema.js';

/**
 * The names of the models several routes share, so the OpenAPI document defines each once under
 * `components.schemas`. A schema not listed here is named after its route (`GetDeviceData`).
 */
export const schemaNames: ReadonlyMap<z.ZodType, string> = new Map<z.ZodType, string>([
  [DeviceSchema, 'Device'],
  [WinPolicySchema, 'WinPolicy'],
  [UpdateDeviceRequestSchema, 'UpdateDeviceRequest'],
  [DeviceReportSchema, 'DeviceReport'],
  [ReportAcceptedSchema, 'ReportAccepted'],
  [AdmxFileSchema, 'AdmxFile'],
  [ApplicationSchema, 'Application'],
  [ExplanationSchema, 'Explanation'],
  [ReadinessSchema, 'Readiness'],
  [DeviceDocumentSchema, 'DeviceDocument'],
  [PolicyStatusSchema, 'PolicyStatus'],
  [ResendResultSchema, 'ResendResult'],
  [RefreshResultSchema, 'RefreshResult'],
  [DeviceResendResultSchema, 'DeviceResendResult'],
]);

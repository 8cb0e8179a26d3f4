import { z } from 'zod';

/**
 * An ADMX file of the catalog, defined by winmdm (policies reference it by `winAdmxConfigId`).
 * `appName` is the name the admin gave it: it becomes `{AppName}` in the ingestion URI
 * (`.../ADMXInstall/{AppName}/{settingType}/{FileUid}`) and in the setting URIs
 * (`{AppName}~{settingType}~{CategoryPath}/{PolicyName}`). `content` is the ADMX XML itself.
 *
 * @example
 * ```ts
 * AdmxFileSchema.parse({
 *   id: '507f1f77bcf86cd799439055',
 *   appName: 'ContosoCompanyApp',
 *   settingType: 'Policy',
 *   fileName: 'contoso.admx',
 *   description: 'Contoso company app settings',
 *   content: '<policyDefinitions revision="1.0" schemaVersion="1.0">...</policyDefinitions>',
 * });
 * ```
 */
export const AdmxFileSchema = z.looseObject({
  id: z.string(),
  appName: z.string().min(1),
  settingType: z.enum(['Policy', 'Preference']),
  fileName: z.string(),
  description: z.string().optional(),
  content: z.string(),
});

/** An ADMX file of the catalog; see {@link AdmxFileSchema}. */
export type AdmxFile = z.infer<typeof AdmxFileSchema>;

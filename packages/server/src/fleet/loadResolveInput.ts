import type { AdmxFile, Application, AutomationRule, Device, ResolveInput, WinPolicy } from '@winmdm/policy';
import type { DeviceRow, JsonObject, StoreTx } from '../store/Store.js';
import { allows, Features, organizationPlan } from './organizationPlan.js';
import { directReader, type DocumentReader } from './OrganizationDocuments.js';

/**
 * The device as `resolveEffectivePolicy` reads it: the stored API document with its ids, and the
 * full mdm user embedded (audience criteria such as `user.department:Sales` read its attributes).
 */
export async function deviceForResolution(tx: StoreTx, row: DeviceRow): Promise<Device> {
  const doc = row.doc;
  const mdmUserId = typeof doc['mdmUserId'] === 'string' ? doc['mdmUserId'] : undefined;
  const user = mdmUserId ? await tx.getDocument('mdm_users', mdmUserId) : undefined;
  return {
    ...doc,
    id: row.id,
    organizationId: row.organizationId,
    ...(row.winId ? { winId: row.winId } : {}),
    ...(user ? { mdmUser: user } : {}),
  } as Device;
}

function ids(list: unknown, field: string): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((entry) => (entry && typeof entry === 'object' ? (entry as JsonObject)[field] : undefined))
    .filter((id): id is string => typeof id === 'string');
}

/**
 * Everything the resolution of one device reads, from the store: the device, the policies it
 * references (base, assignments, and every policy an automation rule of its organization could
 * enforce), the rules, and the application and ADMX catalogs those policies reference. The
 * billing plan applies here too: without `automation-rules` no rule is evaluated.
 *
 * The organization's documents come through `reader` (default: read now): policies, rules and
 * catalogs are read shared — frozen, the same object while unchanged — because the resolver's
 * preparation memo and the endpoint's ResolutionCache recognise them by identity; the device
 * endpoint reads them through OrganizationDocuments, once per policy epoch. Read them, do
 * not change them.
 */
export async function loadResolveInput(
  tx: StoreTx,
  row: DeviceRow,
  reader: DocumentReader = directReader(row.organizationId),
): Promise<ResolveInput & {
  applications: Application[];
  admxFiles: AdmxFile[];
}> {
  const device = await deviceForResolution(tx, row);
  const plan = organizationPlan(await reader.organization(tx));
  const rules = allows(plan, Features.automationRules) ? ((await reader.rules(tx)) as AutomationRule[]) : [];
  const policyIds = new Set<string>();
  if (typeof device.winPolicyId === 'string') policyIds.add(device.winPolicyId);
  if (allows(plan, Features.policyAssignments)) {
    for (const id of ids(device.winPolicyAssignments, 'winPolicyId')) policyIds.add(id);
  }
  for (const rule of rules) if (typeof rule.winPolicyId === 'string') policyIds.add(rule.winPolicyId);
  const policies = (await reader.documents(tx, 'policies', [...policyIds])) as WinPolicy[];
  const appIds = new Set<string>();
  const admxIds = new Set<string>();
  for (const policy of policies) {
    for (const id of ids(policy.applications, 'winApplicationId')) appIds.add(id);
    for (const id of ids(policy.admxConfigs, 'winAdmxConfigId')) admxIds.add(id);
  }
  const applications = (await reader.documents(tx, 'applications', [...appIds])) as Application[];
  const admxFiles = (await reader.documents(tx, 'admx_files', [...admxIds])) as AdmxFile[];
  const input = {
    device: allows(plan, Features.policyAssignments) ? device : ({ ...device, winPolicyAssignments: [] } as Device),
    policies,
    automationRules: rules,
    applications,
    admxFiles,
  };
  return input;
}

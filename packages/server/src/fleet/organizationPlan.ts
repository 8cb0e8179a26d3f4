import type { JsonObject } from '../store/Store.js';

/** An organization's billing plan as imported: the features it allows and its limits. */
export interface OrganizationPlan {
  name?: string;
  features: string[];
  limits: { winPolicyAssignments?: number };
}

/** Features the billing plan gates. */
export const Features = {
  /** `winPolicyAssignments` at all. */
  policyAssignments: 'policy-assignments',
  /** Enforced assignments from automation rules. */
  automationRules: 'automation-rules',
} as const;

/**
 * The plan of an organization document. An organization without a plan (e.g. created implicitly
 * by a bundle that only lists devices) has every feature and no limit: the gate is opt-in.
 */
export function organizationPlan(organization: JsonObject | undefined): OrganizationPlan {
  const plan = organization?.['plan'];
  if (!plan || typeof plan !== 'object') {
    return { features: [Features.policyAssignments, Features.automationRules], limits: {} };
  }
  const p = plan as { name?: unknown; features?: unknown; limits?: unknown };
  const limits = (p.limits && typeof p.limits === 'object' ? p.limits : {}) as { winPolicyAssignments?: unknown };
  return {
    ...(typeof p.name === 'string' ? { name: p.name } : {}),
    features: Array.isArray(p.features) ? p.features.filter((f): f is string => typeof f === 'string') : [],
    limits:
      typeof limits.winPolicyAssignments === 'number' ? { winPolicyAssignments: limits.winPolicyAssignments } : {},
  };
}

export function allows(plan: OrganizationPlan, feature: string): boolean {
  return plan.features.includes(feature);
}

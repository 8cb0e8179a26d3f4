import type { EnforcedAssignment } from './EnforcedAssignmentSchema.js';
import { canonicalJson } from './canonicalize.js';
import { compareCodeUnits } from './compareCodeUnits.js';

/** The order of enforced assignments: priority, then policy id, then rule id, then content. */
export function compareEnforced(a: EnforcedAssignment, b: EnforcedAssignment): number {
  if (a.priority !== b.priority) return a.priority < b.priority ? -1 : 1;
  return (
    compareCodeUnits(a.winPolicyId, b.winPolicyId) ||
    compareCodeUnits(a.automationRule.id, b.automationRule.id) ||
    compareCodeUnits(canonicalJson(a), canonicalJson(b))
  );
}

/**
 * Sorts enforced assignments (see {@link compareEnforced}) and drops exact duplicates, so that the
 * list never depends on the order of its input.
 */
export function sortEnforced(list: EnforcedAssignment[]): EnforcedAssignment[] {
  list.sort(compareEnforced);
  // compareEnforced is 0 exactly for equal content, and reaches for the canonical JSON only when
  // priority and ids tie: most neighbours are told apart without serialising either.
  return list.filter((e, i) => i === 0 || compareEnforced(e, list[i - 1] as EnforcedAssignment) !== 0);
}

import type { AutomationRule } from './AutomationRuleSchema.js';
import type { Device } from './DeviceSchema.js';
import type { EnforcedAssignment, MatchedAudience } from './EnforcedAssignmentSchema.js';
import type { ResolutionIssue } from './ResolutionResult.js';
import { canonicalJson } from './canonicalize.js';
import { compareCodeUnits } from './compareCodeUnits.js';
import { compareIssues } from './compareIssues.js';
import { sortEnforced } from './sortEnforced.js';

type Criterion =
  | { kind: 'tag'; tag: string }
  | { kind: 'user'; field: string; value: string }
  | { kind: 'segment'; segmentId: string };

const USER_CRITERION = /^user\.([A-Za-z0-9_-]+):([^]+)$/;

/** Reads one criterion; `undefined` when it is malformed. */
function parseCriterion(text: string): Criterion | undefined {
  if (text.startsWith('tag:')) return text.length > 4 ? { kind: 'tag', tag: text.slice(4) } : undefined;
  if (text.startsWith('segment:')) return text.length > 8 ? { kind: 'segment', segmentId: text.slice(8) } : undefined;
  const m = USER_CRITERION.exec(text);
  if (m !== null) return { kind: 'user', field: m[1] as string, value: m[2] as string };
  return undefined;
}

function attributeMatches(attribute: unknown, value: string): boolean {
  if (typeof attribute === 'string') return attribute === value;
  if (typeof attribute === 'number' || typeof attribute === 'boolean') return String(attribute) === value;
  if (Array.isArray(attribute)) return attribute.some((a) => attributeMatches(a, value));
  return false;
}

function holds(criterion: Criterion, device: Device): boolean {
  switch (criterion.kind) {
    case 'tag':
      return device.tags?.includes(criterion.tag) ?? false;
    case 'segment':
      return device.segmentId === criterion.segmentId;
    case 'user': {
      const user = device.mdmUser as Record<string, unknown> | undefined;
      if (user === undefined) return false;
      // Own properties only: `user.constructor:...` must not reach into the prototype.
      if (Object.hasOwn(user, criterion.field) && attributeMatches(user[criterion.field], criterion.value)) return true;
      const attributes = user['attributes'];
      if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) return false;
      const attrs = attributes as Record<string, unknown>;
      return Object.hasOwn(attrs, criterion.field) && attributeMatches(attrs[criterion.field], criterion.value);
    }
  }
}

/**
 * Computes which automation rules enforce which policies on a device: the device's
 * `winPolicyAssignmentsEnforced`, with the `reasons` that matched.
 *
 * An audience matches when any (`match: "any"`, the default) or all (`match: "all"`) of its
 * criteria hold; an audience without criteria matches nothing. Criteria:
 * - `tag:<tag>` holds when `device.tags` contains `<tag>`;
 * - `user.<field>:<value>` holds when `device.mdmUser.<field>` or `device.mdmUser.attributes.<field>`
 *   equals `<value>` (numbers and booleans compared as their text, arrays when an element equals);
 * - `segment:<id>` holds when `device.segmentId` is `<id>`.
 * Matching is exact and case-sensitive. A malformed criterion is an `invalid-criterion` issue and
 * does not hold.
 *
 * A rule yields one assignment when at least one audience matches, listing only the matched
 * audiences (sorted by id) with exactly the criteria that held, in the audience's criteria order.
 * Assignments are sorted by priority, `winPolicyId`, rule id.
 *
 * @example
 * ```ts
 * const { assignments } = evaluateAutomationRules(
 *   { id: 'd1', tags: ['sales'], mdmUser: { department: 'Sales' } },
 *   [{ id: 'r1', name: 'Sales', winPolicyId: 'p1', priority: 1,
 *      deviceAudiences: [{ id: 'a1', name: 'Sales Department', criteria: ['tag:sales', 'user.department:Sales'] }] }],
 * );
 * // assignments[0].automationRule.deviceAudiences[0].reasons: ['tag:sales', 'user.department:Sales']
 * ```
 */
export function evaluateAutomationRules(
  device: Device,
  rules: readonly AutomationRule[],
): { assignments: EnforcedAssignment[]; issues: ResolutionIssue[] } {
  const assignments: EnforcedAssignment[] = [];
  const issues: ResolutionIssue[] = [];
  for (const rule of rules) {
    const matched: MatchedAudience[] = [];
    for (const audience of rule.deviceAudiences) {
      const reasons: string[] = [];
      let failed = false;
      audience.criteria.forEach((text, index) => {
        const criterion = parseCriterion(text);
        if (criterion === undefined) {
          issues.push({
            code: 'invalid-criterion',
            path: ['automationRules', rule.id, 'deviceAudiences', audience.id, 'criteria', index],
            message: `Criterion "${text}" is not tag:<tag>, user.<field>:<value> or segment:<id>`,
          });
          failed = true;
        } else if (holds(criterion, device)) {
          reasons.push(text);
        } else {
          failed = true;
        }
      });
      const matches = audience.match === 'all' ? !failed && reasons.length > 0 : reasons.length > 0;
      if (matches) matched.push({ id: audience.id, name: audience.name, reasons });
    }
    if (matched.length === 0) continue;
    matched.sort((a, b) => compareCodeUnits(a.id, b.id) || compareCodeUnits(canonicalJson(a), canonicalJson(b)));
    assignments.push({
      automationRule: { deviceAudiences: matched, id: rule.id, name: rule.name },
      priority: rule.priority,
      winPolicyId: rule.winPolicyId,
    });
  }
  issues.sort(compareIssues);
  return { assignments: sortEnforced(assignments), issues };
}

import { evaluateCompliance, formatIssuePath, type NodeKind, type ResolutionIssue, type ResolutionIssueCode } from '@winmdm/policy';
import type { JsonObject, NodeStateRow } from '../store/Store.js';

/**
 * The issues by which the desired state wants something the plan cannot deliver: what a missing
 * policy, application or ADMX file would have set, or an application no catalog version of which is
 * allowed. (Other issues, such as a duplicate key, are resolved by a rule and leave nothing out.)
 */
const UNDELIVERABLE: ReadonlySet<ResolutionIssueCode> = new Set<ResolutionIssueCode>([
  'policy-not-found',
  'admx-file-not-found',
  'application-not-found',
  'no-allowed-version',
  'invalid-version-range',
]);
const MAX_UNRESOLVED = 20;

/**
 * What of a resolution makes a device not compliant, as a plan records it in its session: the
 * undeliverable issues, and when the resolution is incomplete for a reason none of them names, one
 * entry that says so.
 */
export function unresolvedOf(issues: readonly ResolutionIssue[], complete: boolean): { setting: string; meaning: string }[] {
  const out = issues.filter((i) => UNDELIVERABLE.has(i.code)).map((i) => ({ setting: formatIssuePath(i.path), meaning: i.message }));
  if (!complete && out.length === 0) out.push({ setting: '(desired state)', meaning: 'the desired state could not be resolved completely' });
  return out.slice(0, MAX_UNRESOLVED);
}

/** The `summary.compliance` this server wrote into a report, if any (one an upstream set in the device document is not). */
function evaluated(report: JsonObject): JsonObject | undefined {
  const summary = report['summary'];
  const compliance = summary && typeof summary === 'object' ? (summary as JsonObject)['compliance'] : undefined;
  if (!compliance || typeof compliance !== 'object') return undefined;
  const c = compliance as JsonObject;
  return typeof c['compliant'] === 'boolean' && Array.isArray(c['reasons']) && typeof c['reasonCount'] === 'number' ? c : undefined;
}

/**
 * The report with `summary.compliance` evaluated at the end of a session (`evaluateCompliance` over
 * every node the server tracks for the device). A session that took the fast path changed no node
 * and found the desired state unchanged since the session that converged, which evaluated it: its
 * result stands, checked again at `now`, without reading the nodes. `nodes` is only called when the
 * nodes are needed.
 */
export async function withCompliance(
  report: JsonObject,
  session: { fastPath: boolean; unresolved: readonly { setting: string; meaning: string }[] },
  nodes: () => Promise<readonly NodeStateRow[]>,
  now: string,
): Promise<JsonObject> {
  const previous = session.fastPath ? evaluated(report) : undefined;
  const compliance: JsonObject =
    previous !== undefined
      ? { ...previous, lastCheck: now }
      : {
          ...evaluateCompliance({
            nodes: (await nodes()).map((n) => ({ locUri: n.locUri, status: n.status, code: n.code, kind: n.kind as NodeKind })),
            unresolved: session.unresolved,
            now,
          }),
        };
  const summary = report['summary'] && typeof report['summary'] === 'object' ? (report['summary'] as JsonObject) : {};
  return { ...report, summary: { ...summary, compliance } };
}

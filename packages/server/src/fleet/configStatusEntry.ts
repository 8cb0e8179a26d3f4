import { codeMeaning, type NodeKind } from '@winmdm/policy';
import type { JsonObject, NodeStateRow } from '../store/Store.js';

/**
 * One node as the device document's `configStatus` (and a sync agent's report) shows it: `kind`,
 * `value`, `status`; `code` with its `meaning` when the device answered one; `actual` for a
 * drifted node; `tries` and `retryAt` while it is failing; `checkedAt`, when it was last read back;
 * `policyId`, whose value it is; `date`, when its state last changed.
 *
 * @example
 * ```json
 * { "kind": "csp", "value": "1", "status": "failed", "code": 500, "meaning": "command failed",
 *   "tries": 1, "retryAt": "2026-12-01T08:05:00.000Z", "policyId": "pol-baseline", "date": "2026-12-01T08:00:00.000Z" }
 * ```
 */
export function configStatusEntry(node: NodeStateRow): JsonObject {
  return {
    kind: node.kind,
    value: node.value,
    status: node.status,
    ...(node.code !== null ? { code: node.code, meaning: codeMeaning(node.code, node.kind as NodeKind) } : {}),
    ...(node.status === 'drifted' ? { actual: node.actual } : {}),
    ...(node.tries > 0 ? { tries: node.tries } : {}),
    ...(node.retryAt !== null ? { retryAt: node.retryAt } : {}),
    ...(node.checkedAt !== null ? { checkedAt: node.checkedAt } : {}),
    ...(node.policyId !== null ? { policyId: node.policyId } : {}),
    date: node.updatedAt,
  };
}

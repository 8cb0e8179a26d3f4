import { explainResolution, resolveEffectivePolicy, type Explanation, type NodeStatusEvent } from '@winmdm/policy';
import type { DeviceRow, StoreTx } from '../store/Store.js';
import { loadResolveInput } from './loadResolveInput.js';

/**
 * Why the device's effective policy is what it is (`explainResolution` of `@winmdm/policy`), with
 * what the store knows of each node: its status, the device's last code, and its status history.
 * The same resolution the device endpoint plans from (billing plan included).
 */
export async function explainDevice(tx: StoreTx, row: DeviceRow): Promise<Explanation> {
  const input = await loadResolveInput(tx, row);
  const resolution = resolveEffectivePolicy(input);
  const history = new Map<string, NodeStatusEvent[]>();
  for (const h of await tx.getNodeHistory(row.id)) {
    let events = history.get(h.locUri);
    if (events === undefined) history.set(h.locUri, (events = []));
    events.push({ status: h.status, code: h.code, value: h.value, at: h.at });
  }
  const nodes = (await tx.getNodeStates(row.id)).map((n) => ({
    locUri: n.locUri,
    kind: n.kind,
    status: n.status,
    code: n.code,
    value: n.value,
    updatedAt: n.updatedAt,
    history: history.get(n.locUri) ?? [],
  }));
  return explainResolution({ device: input.device, policies: input.policies, resolution, nodes });
}

import type { AdmxFile, Application, ResolveInput } from '@winmdm/policy';
import type { DeviceRow, JsonObject, NodeStateRow, StoreTx } from '../store/Store.js';
import { loadResolveInput } from '../fleet/loadResolveInput.js';
import { OrganizationDocuments } from '../fleet/OrganizationDocuments.js';

/** What resolution and planning read for one device. */
export type PolicyInputs = ResolveInput & { applications: Application[]; admxFiles: AdmxFile[] };

/**
 * A device's desired state as seen at one check-in. `fingerprint` must change whenever anything
 * `load` would return changes; the device endpoint compares it with the fingerprint at which the
 * device last converged, so an unchanged device costs no resolution at all (the fast path).
 */
export type PolicySnapshot =
  | {
      available: true;
      /** `policyEpoch` is the organization's, read with the device (see StoreTx.getPolicyEpoch). */
      fingerprint(tx: StoreTx, device: DeviceRow, policyEpoch: number): Promise<string>;
      load(tx: StoreTx, device: DeviceRow): Promise<PolicyInputs>;
      /** The message's transaction failed: forget anything kept from what `load` read in it. */
      discard?(): void;
      /**
       * The API-owned fields the local device row should hold (sync agent mode keeps a shadow of
       * the upstream document, e.g. its `refreshInfoNeeded`); absent when the store is the truth.
       */
      shadowDoc?: JsonObject;
    }
  /** Desired state cannot be had now (upstream down, say): answer, but send nothing new. */
  | { available: false; reason: string }
  /** The source says the device does not exist (upstream 3001): refuse it like an unknown device. */
  | { available: false; refuse: true; reason: string };

/**
 * Where desired state comes from: winmdm's own store, or an upstream MDM API (sync agent mode).
 * `prepare` runs before the device's transaction, so network I/O never holds a device lock.
 */
export interface PolicySource {
  /** The desired state of the device the SyncHdr names (`winId`), before its transaction starts. */
  prepare(winId: string): Promise<PolicySnapshot>;
  /**
   * A device the local store does not know yet, by its `winId` (sync agent mode creates the
   * local row from the upstream document); absent when the store is the truth.
   */
  findDevice?(winId: string): Promise<DeviceRow | undefined>;
  /**
   * Called in the device's transaction when a session ends, with the device's report, the node
   * states that changed in the session and the nodes it removed (sync agent mode queues them for
   * upstream).
   */
  sessionEnded?(
    tx: StoreTx,
    device: DeviceRow,
    report: JsonObject,
    changes: { nodes: readonly NodeStateRow[]; removed: readonly string[] },
  ): Promise<void>;
}

/**
 * Desired state from winmdm's own store. The fingerprint is the device document's revision and the
 * organization's policy epoch (bumped by any change of its policies, rules, catalogs or users);
 * the organization's documents are read once per epoch and shared by its devices' check-ins
 * (OrganizationDocuments), the device's own per check-in.
 */
export class StorePolicySource implements PolicySource {
  readonly #documents = new OrganizationDocuments();

  prepare(): Promise<PolicySnapshot> {
    // The epoch the endpoint read with the device (it asks for the fingerprint before it loads).
    let epoch: number | undefined;
    let loadedFor: string | undefined;
    return Promise.resolve({
      available: true,
      fingerprint: (_tx, device, policyEpoch) => {
        epoch = policyEpoch;
        return Promise.resolve(`r${device.revision}.e${policyEpoch}`);
      },
      load: (tx, device) => {
        if (epoch === undefined) return loadResolveInput(tx, device);
        loadedFor = device.organizationId;
        return loadResolveInput(tx, device, this.#documents.at(device.organizationId, epoch));
      },
      discard: () => {
        if (loadedFor !== undefined) this.#documents.forget(loadedFor);
      },
    });
  }
}

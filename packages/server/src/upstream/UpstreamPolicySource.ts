import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  AdmxFileSchema,
  ApplicationSchema,
  DeviceSchema,
  type AdmxFile,
  type Application,
  type Device,
  type WinPolicy,
} from '@winmdm/policy';
import type { DeviceRow, JsonObject, NodeStateRow, Store, StoreTx } from '../store/Store.js';
import type { PolicyInputs, PolicySnapshot, PolicySource } from '../device/PolicySource.js';
import { UpstreamError } from '../ServerError.js';
import type { Metrics } from '../metrics/Metrics.js';
import type { UpstreamClient } from './UpstreamClient.js';
import type { DeviceReport } from './DeviceReportSchema.js';
import { configStatusEntry } from '../fleet/configStatusEntry.js';

/** Envelope codes that mean the agent itself is misconfigured, not that a device is unknown. */
const CONFIGURATION_CODES: Record<number, string> = {
  4002: 'the upstream refused the agent\'s token (4002 No auth token): check --upstream-token',
  4003: 'the agent\'s token lacks a permission it needs (mdm.windows.device.read, mdm.windows.device.report)',
  5050: 'the upstream organization\'s billing plan does not allow this (5050)',
};

/** Report fields copied from the device's report half. */
const REPORT_FIELDS = ['summary', 'configDates', 'loginStatus', 'applicationStatus', 'enrollment', 'inventory'] as const;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function ids(list: unknown, field: string): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((e) => (e && typeof e === 'object' ? (e as JsonObject)[field] : undefined))
    .filter((v): v is string => typeof v === 'string');
}

/** The policies embedded in an upstream device document, each with its id (`{}` embeds get the assignment's). */
function embeddedPolicies(device: Device): WinPolicy[] {
  const out = new Map<string, WinPolicy>();
  const add = (policy: WinPolicy | undefined, id: string | undefined): void => {
    const policyId = policy?.id ?? id;
    if (policy && policyId && !out.has(policyId)) out.set(policyId, { ...policy, id: policyId });
  };
  add(device.winPolicy, device.winPolicyId);
  for (const a of device.winPolicyAssignments ?? []) add(a.winPolicy, a.winPolicyId);
  for (const e of device.winPolicyAssignmentsEnforced ?? []) add(e.winPolicy, e.winPolicyId);
  return [...out.values()];
}

/**
 * Desired state from an upstream MDM API (sync agent mode): the device's document — with its
 * base policy, assignments and enforced assignments embedded — from
 * `GET /mdm/windows/devices?winId=`, and the ADMX files and applications it references from the
 * catalog endpoints; resolution and planning then run locally. The local store keeps only a shadow
 * row per device (identity, session state, acknowledged nodes, the report outbox).
 *
 * Failure rules: an upstream that is down, slow, failing or answering nonsense gives an
 * unavailable snapshot (the device is answered, nothing new is sent, never a Delete); a device the
 * upstream does not know (3001, or an empty list) is refused like an unknown device.
 */
export class UpstreamPolicySource implements PolicySource {
  readonly #client: UpstreamClient;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  /** Check-ins answered without desired state because the upstream failed. */
  unavailableCheckins = 0;

  constructor(client: UpstreamClient, store: Store, logger: Logger, metrics?: Metrics) {
    this.#client = client;
    this.#store = store;
    this.#log = logger;
    this.#metrics = metrics;
  }

  #devicePath(winId: string): string {
    return `mdm/windows/devices?winId=${encodeURIComponent(winId)}`;
  }

  /** The upstream document of a device, `undefined` when upstream does not know it. */
  async #fetchDevice(winId: string): Promise<Device | undefined> {
    let data: unknown;
    try {
      data = await this.#client.get(this.#devicePath(winId));
    } catch (error) {
      if (error instanceof UpstreamError && error.envelopeCode === 3001) {
        this.#client.forget(this.#devicePath(winId));
        return undefined;
      }
      throw error;
    }
    if (!Array.isArray(data)) throw new UpstreamError(`upstream device list for ${winId} is not a list`, { kind: 'schema' });
    if (data.length === 0) return undefined;
    const parsed = DeviceSchema.safeParse(data[0]);
    if (!parsed.success) {
      this.#client.forget(this.#devicePath(winId));
      const first = parsed.error.issues[0];
      throw new UpstreamError(`upstream document of ${winId} fails the schema at ${first?.path.join('.') ?? '?'}: ${first?.message ?? ''}`, {
        kind: 'schema',
      });
    }
    if (parsed.data.winId !== undefined && parsed.data.winId !== winId) {
      throw new UpstreamError(`upstream answered the document of ${parsed.data.winId} for ${winId}`, { kind: 'schema' });
    }
    return parsed.data;
  }

  async #catalog<T>(kind: 'admx-files' | 'applications', id: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }): Promise<T | undefined> {
    try {
      const parsed = schema.safeParse(await this.#client.get(`mdm/windows/${kind}/${encodeURIComponent(id)}`));
      if (!parsed.success) throw new UpstreamError(`upstream ${kind} ${id} fails the schema`, { kind: 'schema' });
      return parsed.data;
    } catch (error) {
      // A catalog entry upstream does not have leaves the resolution incomplete (never a Delete).
      if (error instanceof UpstreamError && error.envelopeCode === 3001) return undefined;
      throw error;
    }
  }

  #unavailable(winId: string, error: unknown): PolicySnapshot {
    this.unavailableCheckins++;
    this.#metrics?.upstreamErrors.inc({ kind: error instanceof UpstreamError ? error.kind : 'other' });
    const code = error instanceof UpstreamError ? error.envelopeCode : undefined;
    const configuration = code !== undefined ? CONFIGURATION_CODES[code] : undefined;
    const reason = error instanceof Error ? error.message : String(error);
    if (configuration) this.#log.error({ winId, code }, `upstream configuration problem: ${configuration}`);
    else this.#log.warn({ winId, reason, breaker: this.#client.breakerState }, 'upstream unavailable: answering the device without new commands');
    return { available: false, reason };
  }

  async findDevice(winId: string): Promise<DeviceRow | undefined> {
    let device: Device | undefined;
    try {
      device = await this.#fetchDevice(winId);
    } catch (error) {
      this.#unavailable(winId, error);
      return undefined;
    }
    if (!device) return undefined;
    const shadow = { id: device.id, organizationId: device.organizationId ?? '', winId, doc: {} };
    return this.#store.transaction(async (tx) => {
      const existing = await tx.getDevice(shadow.id);
      if (!existing) await tx.putDevice(shadow);
      return (await tx.getDevice(shadow.id)) as DeviceRow;
    });
  }

  async prepare(winId: string): Promise<PolicySnapshot> {
    let device: Device | undefined;
    let applications: Application[];
    let admxFiles: AdmxFile[];
    let policies: WinPolicy[];
    try {
      device = await this.#fetchDevice(winId);
      if (!device) return { available: false, refuse: true, reason: 'the upstream API does not know this device (3001)' };
      policies = embeddedPolicies(device);
      const appIds = new Set(policies.flatMap((p) => ids(p.applications, 'winApplicationId')));
      const admxIds = new Set(policies.flatMap((p) => ids(p.admxConfigs, 'winAdmxConfigId')));
      applications = (await Promise.all([...appIds].map((id) => this.#catalog('applications', id, ApplicationSchema)))).filter(
        (a): a is Application => a !== undefined,
      );
      admxFiles = (await Promise.all([...admxIds].map((id) => this.#catalog('admx-files', id, AdmxFileSchema)))).filter(
        (f): f is AdmxFile => f !== undefined,
      );
    } catch (error) {
      return this.#unavailable(winId, error);
    }
    // The upstream computed the enforced assignments; without rules the resolver takes them as given.
    const inputs: PolicyInputs = { device, policies, applications, admxFiles };
    // Only what resolution reads goes into the fingerprint: the report fields this agent itself
    // posts (lastStatusReportTime, summary, ...) must not make every check-in look like a change.
    const fingerprint = sha256(
      JSON.stringify({
        config: device.config ?? {},
        tags: device.tags ?? [],
        mdmUser: device.mdmUser ?? null,
        segmentId: device.segmentId ?? null,
        winPolicyId: device.winPolicyId ?? null,
        assignments: (device.winPolicyAssignments ?? []).map((a) => [a.winPolicyId, a.priority]),
        enforced: (device.winPolicyAssignmentsEnforced ?? []).map((e) => [e.winPolicyId, e.priority, e.automationRule.id]),
        policies,
        applications,
        admxFiles: admxFiles.map((f) => [f.id, f.appName, f.settingType, sha256(f.content)]),
      }),
    );
    const shadowDoc: JsonObject = device.refreshInfoNeeded ? { refreshInfoNeeded: device.refreshInfoNeeded } : {};
    return {
      available: true,
      fingerprint: () => Promise.resolve(`u${fingerprint}`),
      load: () => Promise.resolve(inputs),
      shadowDoc,
    };
  }

  async sessionEnded(
    tx: StoreTx,
    device: DeviceRow,
    report: JsonObject,
    changes: { nodes: readonly NodeStateRow[]; removed: readonly string[] },
  ): Promise<void> {
    const body: DeviceReport = {
      reportId: randomUUID(),
      ...(device.winId ? { winId: device.winId } : {}),
      lastStatusReportTime: String(report['lastStatusReportTime'] ?? new Date().toISOString()),
    };
    for (const field of REPORT_FIELDS) {
      if (report[field] !== undefined) (body as JsonObject)[field] = report[field];
    }
    const history = Array.isArray(report['stateHistory']) ? report['stateHistory'] : [];
    if (history.length > 0) body.stateHistory = history as DeviceReport['stateHistory'];
    if (changes.nodes.length > 0) {
      type NodeStatusReport = NonNullable<DeviceReport['configStatus']>[string];
      body.configStatus = Object.fromEntries(changes.nodes.map((n) => [n.locUri, configStatusEntry(n) as NodeStatusReport]));
    }
    if (changes.removed.length > 0) body.removedNodes = [...changes.removed];
    await tx.enqueueOutbox(device.id, JSON.stringify(body), new Date().toISOString());
  }
}

import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, NodeStateRow, Store } from '../store/Store.js';
import type { Caller } from '../api/authenticate.js';
import type { ReportHandler } from '../api/ReportHandler.js';
import { EntityNotFoundError, InvalidBodyError } from '../ServerError.js';
import { DeviceReportSchema } from './DeviceReportSchema.js';

/** How many report ids a device remembers for de-duplication. */
const REMEMBERED_REPORTS = 200;

function object(value: unknown): JsonObject {
  return value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as JsonObject) } : {};
}

/**
 * winmdm's own side of the sync agent contract: applies a device report to the stored device
 * (its report half and its per-LocURI `configStatus`), exactly once per `reportId`, so that one
 * winmdm can be the upstream of another.
 */
export class StoreReportHandler implements ReportHandler {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async accept(caller: Caller, deviceId: string, body: unknown): Promise<unknown> {
    const parsed = DeviceReportSchema.safeParse(body);
    if (!parsed.success) {
      throw new InvalidBodyError(
        parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'number' ? p : String(p))), message: i.message, code: i.code })),
      );
    }
    const report = parsed.data;
    return this.#store.transaction(async (tx) => {
      const row = await tx.lockDevice(deviceId);
      if (!row || row.organizationId !== caller.organizationId) throw new EntityNotFoundError('device');
      const current = row.report;
      const seen = Array.isArray(current['receivedReports']) ? (current['receivedReports'] as string[]) : [];
      if (seen.includes(report.reportId)) return { reportId: report.reportId, applied: false, duplicate: true };

      const next: JsonObject = { ...current, lastStatusReportTime: report.lastStatusReportTime };
      if (report.summary) next['summary'] = { ...object(current['summary']), ...report.summary };
      if (report.configDates) next['configDates'] = { ...object(current['configDates']), ...report.configDates };
      if (report.loginStatus) next['loginStatus'] = report.loginStatus;
      if (report.applicationStatus) next['applicationStatus'] = { ...object(current['applicationStatus']), ...report.applicationStatus };
      if (report.enrollment) next['enrollment'] = report.enrollment;
      if (report.inventory) next['inventory'] = { ...object(current['inventory']), ...report.inventory };
      if (report.stateHistory) {
        const history = Array.isArray(current['stateHistory']) ? [...(current['stateHistory'] as unknown[])] : [];
        for (const entry of report.stateHistory) if (!history.some((h) => isDeepStrictEqual(h, entry))) history.push(entry);
        next['stateHistory'] = history;
      }
      next['receivedReports'] = [...seen, report.reportId].slice(-REMEMBERED_REPORTS);

      const nodes: NodeStateRow[] = Object.entries(report.configStatus ?? {}).map(([locUri, s]) => ({
        locUri,
        kind: s.kind,
        value: s.value,
        status: s.status,
        code: s.code ?? null,
        lastCommand: null,
        sessionId: null,
        updatedAt: s.date,
        actual: s.actual ?? null,
        tries: s.tries ?? 0,
        retryAt: s.retryAt ?? null,
        checkedAt: s.checkedAt ?? null,
        policyId: s.policyId ?? null,
      }));
      await tx.upsertNodeStates(row.id, nodes);
      await tx.deleteNodeStates(row.id, report.removedNodes ?? []);
      await tx.updateDeviceReport(row.id, next, row.convergedFingerprint);
      return { reportId: report.reportId, applied: true, duplicate: false };
    });
  }
}

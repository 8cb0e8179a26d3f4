import type { JsonObject } from '../store/Store.js';
import type { IncomingEffects } from './processIncoming.js';
import type { InventoryRecord } from './inventoryDue.js';

/** The DevInfo nodes Windows reports at session start, and the summary fields they fill. */
const DEV_INFO_FIELDS: Record<string, string> = {
  './DevInfo/DevId': 'deviceId',
  './DevInfo/Man': 'manufacturer',
  './DevInfo/Mod': 'model',
  './DevInfo/DmV': 'dmVersion',
  './DevInfo/Lang': 'language',
};

function object(value: unknown): JsonObject {
  return value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as JsonObject) } : {};
}

/**
 * The device's report (the endpoint-owned half of its document) after one message: when it last
 * reported, what it said about itself, config and application dates, login status, install
 * results, unenrollment. Returns a new object; the input is not modified.
 */
export function applyReport(
  previous: JsonObject,
  effects: IncomingEffects,
  context: { now: string; revision: number },
): JsonObject {
  const report: JsonObject = { ...previous, lastStatusReportTime: context.now };
  if (Object.keys(effects.devInfo).length > 0) {
    const summary = object(report['summary']);
    for (const [uri, value] of Object.entries(effects.devInfo)) {
      const field = DEV_INFO_FIELDS[uri];
      if (field) summary[field] = value;
    }
    summary['os'] = 'Windows';
    report['summary'] = summary;
  }
  if (effects.configApplied || effects.appsApplied) {
    const dates = object(report['configDates']);
    if (effects.configApplied) dates['securityPolicy'] = context.now;
    if (effects.appsApplied) dates['applications'] = context.now;
    report['configDates'] = dates;
  }
  if (effects.loginStatus !== undefined) report['loginStatus'] = { value: effects.loginStatus, date: context.now };
  if (effects.appInstalls.length > 0) {
    const apps = object(report['applicationStatus']);
    for (const install of effects.appInstalls) {
      apps[install.productCode] = {
        status: install.code === 0 ? 'installed' : 'failed',
        code: install.code,
        locUri: install.locUri,
        date: context.now,
      };
    }
    report['applicationStatus'] = apps;
    const dates = object(report['configDates']);
    dates['applications'] = context.now;
    report['configDates'] = dates;
  }
  if (effects.alerts.length > 0) {
    // Keep the last few generic alerts: they are diagnostics, not state.
    const alerts = Array.isArray(report['alerts']) ? [...(report['alerts'] as unknown[])] : [];
    for (const alert of effects.alerts) alerts.push({ ...alert, date: context.now });
    report['alerts'] = alerts.slice(-20);
  }
  if (effects.inventoryAnswered.length > 0) {
    // An inventory is collected when its Results arrived, and only then.
    const inventory = object(report['inventory']);
    const failures = object(report['inventoryFailures']);
    for (const kind of effects.inventoryAnswered) {
      const record: InventoryRecord = { at: context.now, revision: context.revision };
      inventory[kind] = record;
      delete failures[kind];
    }
    report['inventory'] = inventory;
    if (Object.keys(failures).length > 0) report['inventoryFailures'] = failures;
    else delete report['inventoryFailures'];
  }
  if (effects.unenroll && (report['enrollment'] as JsonObject | undefined)?.['state'] !== 'UNENROLLED') {
    report['enrollment'] = { state: 'UNENROLLED', date: context.now };
    const history = Array.isArray(report['stateHistory']) ? [...(report['stateHistory'] as unknown[])] : [];
    history.push({ state: 'UNENROLLED', date: context.now, config: { reason: 'user-request' } });
    report['stateHistory'] = history;
  }
  return report;
}

/** Merges a summary patch (from inventory Results) into the report's summary. */
export function mergeSummary(report: JsonObject, patch: JsonObject): JsonObject {
  const { inventory: raw, ...summaryPatch } = patch;
  const next: JsonObject = { ...report, summary: { ...object(report['summary']), ...summaryPatch } };
  if (raw && typeof raw === 'object') next['inventoryValues'] = { ...object(report['inventoryValues']), ...(raw as JsonObject) };
  return next;
}

import { randomUUID, type KeyObject } from 'node:crypto';
import type { DeviceRow, JsonObject, StoreTx } from '../store/Store.js';
import type { CertificateAuthority } from '../tls/LocalCa.js';
import type { Thumbprints } from '../tls/thumbprint.js';
import { EnrollmentAuthError } from '../ServerError.js';
import type { EnrollmentPrincipal } from './EnrollmentAuthenticator.js';
import type { EnrollmentSettings } from './EnrollmentSettings.js';

/** What a WSTEP Issue request says about the device, with the certificate issued for it. */
export interface EnrollmentContext {
  /** Windows' DeviceID: the device's `winId`, its SyncHdr Source, its certificate's CN. */
  deviceId: string;
  /** The hardware id a re-enrollment is recognised by (DeviceID when the device sends none). */
  hwDevId: string;
  enrollmentType: 'Full' | 'Device';
  /** AdditionalContext, a multimap (MAC repeats). */
  context: Record<string, string[]>;
  thumbprints: Thumbprints;
  now: Date;
}

/** A certificate renewal in flight: the old thumbprints stay valid until the new one is first used. */
interface PendingRenewal {
  previous: string[];
  next: string[];
  issuedAt: string;
}

function object(value: unknown): JsonObject {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function pendingRenewal(report: JsonObject): PendingRenewal | undefined {
  const renewal = object(object(report['enrollment'])['renewal']);
  return Array.isArray(renewal['previous']) && Array.isArray(renewal['next']) ? (renewal as unknown as PendingRenewal) : undefined;
}

async function userId(tx: StoreTx, organizationId: string, email: string | undefined): Promise<string | undefined> {
  if (!email) return undefined;
  const user = (await tx.listDocuments('mdm_users', organizationId)).find(
    (u) => typeof u['email'] === 'string' && u['email'].toLowerCase() === email,
  );
  return typeof user?.['id'] === 'string' ? user['id'] : undefined;
}

/**
 * Writes an enrollment: the device record (new, or the one this hardware was enrolled as, which
 * keeps its id, policies and tags), its certificate registration, and the hardware mapping. A
 * re-enrollment revokes the device's earlier certificates at once and forgets what it had applied
 * (enrolling again starts from a device without winmdm's settings). A device that another
 * organization enrolled is refused, and nothing is written.
 */
export async function recordEnrollment(
  tx: StoreTx,
  principal: EnrollmentPrincipal,
  input: EnrollmentContext,
): Promise<{ deviceId: string; organizationId: string; reenrolled: boolean }> {
  const nowIso = input.now.toISOString();
  const mapped = await tx.getDeviceEnrollment(input.hwDevId);
  const byWinId = await tx.getDeviceByWinId(input.deviceId);
  // The DeviceID is what the DM client will call itself, so a record holding it wins.
  const existingId = byWinId?.id ?? mapped?.deviceId;
  const existing: DeviceRow | undefined = existingId ? await tx.lockDevice(existingId) : undefined;
  if (existing && existing.organizationId !== principal.organizationId) {
    throw new EnrollmentAuthError("the enrollment token is another organization's than the device's");
  }
  const first = (name: string): string | undefined => input.context[name]?.[0];
  const summary: JsonObject = { os: 'Windows' };
  if (first('DeviceName')) summary['name'] = first('DeviceName');
  if (first('OSVersion')) summary['osVersion'] = first('OSVersion');
  const enrollment: JsonObject = {
    hwDevId: input.hwDevId,
    enrollmentType: input.enrollmentType,
    via: principal.via,
    ...(principal.email ? { email: principal.email } : {}),
    ...(principal.username ? { username: principal.username } : {}),
    context: input.context,
  };
  const mdmUserId = await userId(tx, principal.organizationId, principal.email);

  let id: string;
  let doc: JsonObject;
  let report: JsonObject;
  if (existing) {
    id = existing.id;
    await tx.deleteDeviceCerts(id);
    await tx.deleteNodeStates(id, (await tx.getNodeStates(id)).map((n) => n.locUri));
    doc = {
      ...existing.doc,
      summary: { ...object(existing.doc['summary']), ...summary },
      enrollment,
      enrolledDate: nowIso,
      updatedAt: nowIso,
      ...(existing.doc['mdmUserId'] === undefined && mdmUserId ? { mdmUserId } : {}),
    };
    report = existing.report;
  } else {
    id = `dev-${randomUUID()}`;
    doc = {
      displayName: first('DeviceName') ?? input.deviceId,
      tags: [],
      winPolicyAssignments: [],
      config: {},
      state: 'ACTIVE',
      summary,
      enrollment,
      enrolledDate: nowIso,
      createdAt: nowIso,
      updatedAt: nowIso,
      ...(mdmUserId ? { mdmUserId } : {}),
    };
    report = {};
  }
  await tx.putDevice({ id, organizationId: principal.organizationId, winId: input.deviceId, doc });
  // The endpoint-owned half: ACTIVE again (after an unenrollment too), and the history entry.
  const history = [...list(report['stateHistory']), { state: 'ACTIVE', date: nowIso, config: { reason: 'enrollment' } }];
  await tx.updateDeviceReport(id, { ...report, enrollment: { state: 'ACTIVE', date: nowIso }, stateHistory: history }, null);
  await tx.putDeviceCert({ thumbprints: [input.thumbprints.sha256, input.thumbprints.sha1], deviceId: id, createdAt: nowIso });
  await tx.putDeviceEnrollment({ hwDevId: input.hwDevId, deviceId: id, organizationId: principal.organizationId, enrolledAt: nowIso });
  return { deviceId: id, organizationId: principal.organizationId, reenrolled: existing !== undefined };
}

/**
 * A ROBO renewal: the device authenticated with its current certificate (over mutual TLS) and
 * gets a new one for the key of its request. Both stay valid until the new one is first used
 * ({@link completeRenewal}); a renewal whose certificate never arrived (the device asks again
 * with the old one) revokes that unused certificate.
 */
export async function recordRenewal(
  tx: StoreTx,
  input: { identity: Thumbprints; publicKey: KeyObject; ca: CertificateAuthority; settings: EnrollmentSettings; now: Date },
): Promise<{ deviceId: string; winId: string; certPem: string; thumbprints: Thumbprints; enrollmentType: 'Full' | 'Device' }> {
  const deviceId = (await tx.findDeviceIdByThumbprint(input.identity.sha256)) ?? (await tx.findDeviceIdByThumbprint(input.identity.sha1));
  let row = deviceId ? await tx.lockDevice(deviceId) : undefined;
  if (!row || !row.winId) throw new EnrollmentAuthError('the client certificate belongs to no enrolled device');
  if (object(row.report['enrollment'])['state'] === 'UNENROLLED') throw new EnrollmentAuthError('the device is unenrolled');
  const winId = row.winId;
  const completed = await completeRenewal(tx, row, input.identity);
  if (completed) row = { ...row, report: completed };
  const pending = pendingRenewal(row.report);
  if (pending) await tx.deleteDeviceCerts(row.id, pending.next);

  const issued = input.ca.signClientCertificate({ commonName: winId, publicKey: input.publicKey, validityDays: input.settings.certificateValidityDays });
  const nowIso = input.now.toISOString();
  await tx.putDeviceCert({ thumbprints: [issued.thumbprints.sha256, issued.thumbprints.sha1], deviceId: row.id, createdAt: nowIso });
  const renewal: PendingRenewal = {
    previous: [input.identity.sha256, input.identity.sha1],
    next: [issued.thumbprints.sha256, issued.thumbprints.sha1],
    issuedAt: nowIso,
  };
  const enrollment = { ...object(row.report['enrollment']), renewal, renewedDate: nowIso };
  await tx.updateDeviceReport(row.id, { ...row.report, enrollment }, row.convergedFingerprint);
  const type = object(row.doc['enrollment'])['enrollmentType'] === 'Device' ? 'Device' : 'Full';
  return { deviceId: row.id, winId, certPem: issued.certPem, thumbprints: issued.thumbprints, enrollmentType: type };
}

/**
 * Called with the thumbprints a device authenticated with: when they are the new certificate of
 * a pending renewal, the certificate it replaces is revoked now, and the report without the
 * pending renewal is returned (to be written by the caller); otherwise undefined, at the cost of
 * reading one field of the already loaded report.
 */
export async function completeRenewal(tx: StoreTx, row: DeviceRow, thumbprints: Thumbprints): Promise<JsonObject | undefined> {
  const pending = pendingRenewal(row.report);
  if (!pending || !pending.next.includes(thumbprints.sha256)) return undefined;
  await tx.deleteDeviceCerts(row.id, pending.previous);
  const { renewal: _done, ...enrollment } = object(row.report['enrollment']);
  return { ...row.report, enrollment };
}

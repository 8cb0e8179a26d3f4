import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/Store.js';
import type { LocalCa } from '../tls/LocalCa.js';
import type { Thumbprints } from '../tls/thumbprint.js';
import { ServerError } from '../ServerError.js';

/** A device certificate written to disk and registered to its device. */
export interface IssuedDeviceCertificate {
  deviceId: string;
  winId: string;
  certPath: string;
  keyPath: string;
  thumbprints: Thumbprints;
}

/**
 * Issues a client certificate for a device from the local CA (CN = the device's `winId`),
 * registers its thumbprints to the device, and writes `<outDir>/<winId>.crt` and `.key` (PEM).
 * `device` is the device's id or its `winId`. What enrollment (MS-MDE2) will do for real devices.
 */
export async function issueDeviceCertificate(
  store: Store,
  ca: LocalCa,
  device: string,
  outDir: string,
  now: Date = new Date(),
): Promise<IssuedDeviceCertificate> {
  const row = await store.transaction(async (tx) => (await tx.getDevice(device)) ?? (await tx.getDeviceByWinId(device)));
  if (!row) throw new ServerError('ERR_ENTITY_NOT_FOUND', `no device with id or winId ${JSON.stringify(device)}`);
  if (!row.winId) throw new ServerError('ERR_ENTITY_NOT_FOUND', `device ${row.id} has no winId to put in a certificate`);
  const issued = ca.issue('client', row.winId);
  await store.transaction((tx) =>
    tx.putDeviceCert({
      thumbprints: [issued.thumbprints.sha256, issued.thumbprints.sha1],
      deviceId: row.id,
      createdAt: now.toISOString(),
    }),
  );
  mkdirSync(outDir, { recursive: true });
  // winIds come from the API: keep only characters that are safe in a file name.
  const base = row.winId.replace(/[^A-Za-z0-9._-]/g, '_');
  const certPath = join(outDir, `${base}.crt`);
  const keyPath = join(outDir, `${base}.key`);
  writeFileSync(certPath, issued.certPem);
  writeFileSync(keyPath, issued.keyPem, { mode: 0o600 });
  return { deviceId: row.id, winId: row.winId, certPath, keyPath, thumbprints: issued.thumbprints };
}

import { join, resolve } from 'node:path';
import { issueDeviceCertificate, LocalCa, ServerError } from '@winmdm/server';
import { pino } from 'pino';
import { CliError } from '../CliError.js';
import { parseCommand, type CommandSpec } from '../CommandSpec.js';
import type { Io } from '../Io.js';
import { dataDir, openStore, storeFlags } from '../openStore.js';
import { startUpstreamMode, upstreamFlags } from '../upstreamMode.js';

/** `winmdm device-cert`: its flags and help. */
export const deviceCertSpec = {
  name: 'device-cert',
  args: 'issue',
  summary: "Issue a client certificate from serve's local CA and register it to a device.",
  flags: {
    device: { type: 'string', value: '<id|winId>', description: 'the device (required)' },
    out: { type: 'string', value: '<dir>', description: 'where <winId>.crt and <winId>.key are written (required)' },
    ...storeFlags,
    ...upstreamFlags,
  },
  notes: ['With --upstream, a device the upstream API knows gets its local shadow row first.'],
} as const satisfies CommandSpec;

/** `winmdm device-cert issue`: a client certificate from the local CA, registered to the device. */
export async function deviceCertCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(deviceCertSpec, argv);
  if (positionals[0] !== 'issue' || positionals.length !== 1 || !values.device || !values.out) {
    throw new CliError('ERR_CLI_USAGE', 'usage: winmdm device-cert issue --device <id|winId> --out <dir>; see winmdm device-cert --help');
  }
  const ca = LocalCa.open(join(dataDir(values, io), 'tls'));
  const { store } = await openStore(values, io);
  const logger = pino({ level: io.env['WINMDM_LOG_LEVEL'] ?? 'warn' });
  const upstream = startUpstreamMode(values, io, store, logger);
  try {
    if (upstream) {
      // Sync agent mode: the device lives upstream; its local shadow row is made on first sight.
      const known = await store.transaction(async (tx) => (await tx.getDevice(values.device!)) ?? (await tx.getDeviceByWinId(values.device!)));
      if (!known && !(await upstream.source.findDevice(values.device))) {
        throw new CliError('ERR_CLI_INPUT', `the upstream API has no device with winId ${JSON.stringify(values.device)}`);
      }
    }
    const issued = await issueDeviceCertificate(store, ca, values.device, resolve(io.cwd, values.out));
    io.out(
      `issued a certificate for device ${issued.deviceId} (winId ${issued.winId})\n` +
        `  certificate: ${issued.certPath}\n  key:         ${issued.keyPath}\n` +
        `  SHA-256:     ${issued.thumbprints.sha256}\n  SHA-1:       ${issued.thumbprints.sha1}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ServerError) throw new CliError('ERR_CLI_INPUT', error.message, { cause: error });
    throw error;
  } finally {
    await upstream?.stop();
    await store.close();
  }
}

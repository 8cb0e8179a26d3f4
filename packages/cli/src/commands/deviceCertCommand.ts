import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { issueDeviceCertificate, LocalCa, ServerError } from '@winmdm/server';
import { CliError } from '../CliError.js';
import type { Io } from '../Io.js';
import { dataDir, openStore } from '../openStore.js';
import { startUpstreamMode, upstreamFlags } from '../upstreamMode.js';
import { pino } from 'pino';

export const deviceCertUsage =
  'winmdm device-cert issue --device <id|winId> --out <dir> [--db <path> | --pg <url>] [--data-dir <dir>] [--upstream <url> --upstream-token <token>]';

/** `winmdm device-cert issue`: a client certificate from the local CA, registered to the device. */
export async function deviceCertCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      device: { type: 'string' },
      out: { type: 'string' },
      db: { type: 'string' },
      pg: { type: 'string' },
      'data-dir': { type: 'string' },
      ...upstreamFlags,
    },
  });
  if (positionals[0] !== 'issue' || positionals.length !== 1 || !values.device || !values.out) {
    throw new CliError('ERR_CLI_USAGE', `usage: ${deviceCertUsage}`);
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

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DeviceSimError, DeviceSimulator, formatSessionSummary, type SimulatorTlsOptions } from '@winmdm/device-sim';
import { CliError } from '../CliError.js';
import type { Io } from '../Io.js';

export const simulateUsage =
  'winmdm simulate --url <server MDM URL> --device <winId> [--cert <pem> --key <pem>] [--ca <pem>] [--sessions 1] [--unenroll] [--max-msg-size N]';

function read(path: string, io: Io, what: string): Buffer {
  try {
    return readFileSync(resolve(io.cwd, path));
  } catch (error) {
    throw new CliError('ERR_CLI_INPUT', `cannot read ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * `winmdm simulate`: runs full OMA-DM sessions as a Windows device would (the first message in
 * Windows' own dialect, a device model that applies what the server sends and answers with
 * Windows' status codes) and prints a readable summary of each session.
 */
export async function simulateCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      device: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
      sessions: { type: 'string' },
      unenroll: { type: 'boolean' },
      'max-msg-size': { type: 'string' },
    },
  });
  if (!values.url || !values.device) throw new CliError('ERR_CLI_USAGE', `usage: ${simulateUsage}`);
  if ((values.cert === undefined) !== (values.key === undefined)) throw new CliError('ERR_CLI_USAGE', '--cert and --key go together');
  const sessions = Number(values.sessions ?? 1);
  if (!Number.isInteger(sessions) || sessions < 1) throw new CliError('ERR_CLI_USAGE', '--sessions must be a positive integer');
  const tls: SimulatorTlsOptions = {};
  if (values.cert && values.key) {
    tls.cert = read(values.cert, io, 'certificate');
    tls.key = read(values.key, io, 'key');
  }
  if (values.ca) tls.ca = read(values.ca, io, 'CA certificate');
  const maxMsgSize = values['max-msg-size'] === undefined ? undefined : Number(values['max-msg-size']);

  const device = new DeviceSimulator({
    url: values.url,
    winId: values.device,
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(maxMsgSize !== undefined ? { maxMsgSize } : {}),
  });
  try {
    for (let i = 0; i < sessions; i++) {
      const summary = await device.runSession({ unenroll: values.unenroll === true && i === 0 });
      io.out(formatSessionSummary(summary));
      io.out('\n');
    }
    return 0;
  } catch (error) {
    if (error instanceof DeviceSimError) throw new CliError('ERR_CLI_RUNTIME', `${error.code}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    await device.close();
  }
}

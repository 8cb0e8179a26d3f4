import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DeviceSimError,
  DeviceSimulator,
  formatSessionSummary,
  SimulatorHttpError,
  type SimulatorTlsOptions,
} from '@winmdm/device-sim';
import { CliError } from '../CliError.js';
import { parseCommand, type CommandSpec } from '../CommandSpec.js';
import type { Io } from '../Io.js';

/** `winmdm simulate`: its flags and help. */
export const simulateSpec = {
  name: 'simulate',
  summary: 'Run OMA-DM sessions as a Windows device would, and print what the server sent.',
  flags: {
    url: { type: 'string', value: '<url>', description: "the server's device endpoint, e.g. https://127.0.0.1:8443/ManagementServer/MDM.svc (required)" },
    device: { type: 'string', value: '<winId>', description: "the device's id, the SyncHdr Source (required)" },
    cert: { type: 'string', value: '<pem>', description: "the device's client certificate (winmdm device-cert issue makes one)" },
    key: { type: 'string', value: '<pem>', description: "the certificate's private key" },
    ca: { type: 'string', value: '<pem>', description: "the CA that signed the server's certificate (serve's <data-dir>/tls/ca.crt)" },
    sessions: { type: 'string', value: '1', description: 'how many sessions to run, one after the other' },
    unenroll: { type: 'boolean', description: "send the user's unenrollment request (Alert 1226) in the first session" },
    'max-msg-size': { type: 'string', value: '<bytes>', description: 'the MaxMsgSize to announce (Windows announces none)' },
  },
  notes: ['Each run starts at a new SessionID, as a real device counts on from its last session.'],
} as const satisfies CommandSpec;

function read(path: string, io: Io, what: string): Buffer {
  try {
    return readFileSync(resolve(io.cwd, path));
  } catch (error) {
    throw new CliError('ERR_CLI_INPUT', `cannot read ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function positiveInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new CliError('ERR_CLI_USAGE', `--${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

/** Why the server refused the device, in words and with what to do about it (the server's refusal code). */
const REFUSALS: Record<string, string> = {
  'no-client-certificate': 'the device presented no client certificate: pass --cert and --key (winmdm device-cert issue makes them)',
  'certificate-not-trusted': "the client certificate is not signed by the server's CA: issue one from this server's data directory",
  'unknown-device': "the certificate is not registered to any device the server knows (or the device is unknown): issue one for this device with winmdm device-cert issue",
  'source-mismatch': "--device is not the device the certificate was issued to: use the certificate's own winId",
};

function refusal(error: SimulatorHttpError): string {
  const known = error.refusal === undefined ? undefined : REFUSALS[error.refusal];
  const why = known ?? (error.refusal !== undefined ? `refusal ${error.refusal}` : undefined);
  return `the server refused the device (HTTP ${error.status})${why === undefined ? '' : `: ${why}`}`;
}

/**
 * `winmdm simulate`: runs full OMA-DM sessions as a Windows device would (the first message in
 * Windows' own dialect, a device model that applies what the server sends and answers with
 * Windows' status codes) and prints a readable summary of each session.
 */
export async function simulateCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(simulateSpec, argv);
  if (positionals.length > 0) throw new CliError('ERR_CLI_USAGE', `simulate takes no arguments, got ${JSON.stringify(positionals[0])}; see winmdm simulate --help`);
  if (!values.url || !values.device) throw new CliError('ERR_CLI_USAGE', '--url and --device are required; see winmdm simulate --help');
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new CliError('ERR_CLI_USAGE', `--url must be an http(s) URL such as https://127.0.0.1:8443/ManagementServer/MDM.svc, got ${JSON.stringify(values.url)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CliError('ERR_CLI_USAGE', `--url must be http: or https:, got ${JSON.stringify(values.url)}`);
  if ((values.cert === undefined) !== (values.key === undefined)) throw new CliError('ERR_CLI_USAGE', '--cert and --key go together');
  const sessions = positiveInteger(values.sessions, 'sessions') ?? 1;
  const maxMsgSize = positiveInteger(values['max-msg-size'], 'max-msg-size');
  const tls: SimulatorTlsOptions = {};
  if (values.cert && values.key) {
    tls.cert = read(values.cert, io, 'certificate');
    tls.key = read(values.key, io, 'key');
  }
  if (values.ca) tls.ca = read(values.ca, io, 'CA certificate');

  const device = new DeviceSimulator({
    url,
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
    if (error instanceof SimulatorHttpError && (error.status === 401 || error.status === 403)) {
      throw new CliError('ERR_CLI_RUNTIME', refusal(error), { cause: error });
    }
    if (error instanceof DeviceSimError) throw new CliError('ERR_CLI_RUNTIME', `${error.code}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    await device.close();
  }
}

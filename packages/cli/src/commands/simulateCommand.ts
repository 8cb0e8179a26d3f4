import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  DeviceSimError,
  DeviceSimulator,
  enrollWindowsDevice,
  formatSessionSummary,
  renewWindowsCertificate,
  SimulatorHttpError,
  SimulatorNetworkError,
  type SimulatorTlsOptions,
} from '@winmdm/device-sim';
import { CliError } from '../CliError.js';
import { parseCommand, type CommandSpec } from '../CommandSpec.js';
import type { Io } from '../Io.js';

/** `winmdm simulate`: its flags and help. */
export const simulateSpec = {
  name: 'simulate',
  summary: 'Run OMA-DM sessions as a Windows device would (enrolling it first, or renewing its certificate), and print what the server sent.',
  flags: {
    url: {
      type: 'string',
      value: '<url>',
      description: "the server's device endpoint, e.g. https://127.0.0.1:8443/ManagementServer/MDM.svc (required); with --enroll the server, https://127.0.0.1:8443",
    },
    device: { type: 'string', value: '<winId>', description: "the device's id, the SyncHdr Source (required, except with --enroll)" },
    cert: { type: 'string', value: '<pem>', description: "the device's client certificate (winmdm device-cert issue makes one)" },
    key: { type: 'string', value: '<pem>', description: "the certificate's private key" },
    ca: { type: 'string', value: '<pem>', description: "the CA that signed the server's certificate (serve's <data-dir>/tls/ca.crt)" },
    sessions: { type: 'string', value: '1', description: 'how many sessions to run, one after the other' },
    unenroll: { type: 'boolean', description: "send the user's unenrollment request (Alert 1226) in the first session" },
    'max-msg-size': { type: 'string', value: '<bytes>', description: 'the MaxMsgSize to announce (Windows announces none)' },
    enroll: { type: 'boolean', description: 'first enroll a new device the Windows way (discovery, XCEP, WSTEP), then check in with the certificate it was issued' },
    email: { type: 'string', value: '<user>', description: "with --enroll: the enrolling user's email (the UsernameToken's Username)" },
    token: { type: 'string', value: '<token>', description: 'with --enroll: an enrollment token (POST /mdm/windows/enrollment-tokens, winmdm enrollment-token create)' },
    'device-id': { type: 'string', value: '<id>', description: "with --enroll: the new device's DeviceID (default 32 random hex digits, like Windows')" },
    'user-token': { type: 'boolean', description: 'with --enroll: send the token as a DeviceEnrollmentUserToken (programmatic enrollment) instead of a password' },
    out: { type: 'string', value: '<dir>', description: "with --enroll: where the device's certificate and key are written (default ./enrolled)" },
    renew: { type: 'boolean', description: 'first renew the certificate of --cert/--key (ROBO, over mutual TLS) and replace both files with the new ones' },
    'enrollment-url': { type: 'string', value: '<url>', description: 'with --renew: the enrollment service (default /EnrollmentServer/Enrollment.svc on the host of --url)' },
  },
  notes: [
    'Each run starts at a new SessionID, as a real device counts on from its last session.',
    'winmdm simulate --enroll --url https://127.0.0.1:8443 --email <user> --token <token> --ca data/tls/ca.crt enrolls a new device.',
  ],
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
  // A flag of --enroll or --renew without it would be ignored: say so rather than run something else.
  const enrollOnly = (['email', 'token', 'device-id', 'user-token', 'out'] as const).find((f) => values[f] !== undefined);
  if (enrollOnly && !values.enroll) throw new CliError('ERR_CLI_USAGE', `--${enrollOnly} goes with --enroll; see winmdm simulate --help`);
  if (values['enrollment-url'] !== undefined && !values.renew) throw new CliError('ERR_CLI_USAGE', '--enrollment-url goes with --renew; see winmdm simulate --help');
  if (!values.url || (!values.device && !values.enroll)) throw new CliError('ERR_CLI_USAGE', '--url and --device are required; see winmdm simulate --help');
  let url = httpUrl(values.url);
  if ((values.cert === undefined) !== (values.key === undefined)) throw new CliError('ERR_CLI_USAGE', '--cert and --key go together');
  const sessions = positiveInteger(values.sessions, 'sessions') ?? 1;
  const maxMsgSize = positiveInteger(values['max-msg-size'], 'max-msg-size');
  const ca = values.ca ? read(values.ca, io, 'CA certificate') : undefined;
  const rel = (p: string): string => relative(io.cwd, p) || p;
  let winId = values.device ?? '';
  let certPath = values.cert === undefined ? undefined : resolve(io.cwd, values.cert);
  let keyPath = values.key === undefined ? undefined : resolve(io.cwd, values.key);

  if (values.enroll) {
    if (!values.email || !values.token) throw new CliError('ERR_CLI_USAGE', '--enroll needs --email and --token; see winmdm simulate --help');
    if (values.device || values.cert || values.renew) throw new CliError('ERR_CLI_USAGE', '--enroll makes a new device: it takes no --device, --cert, --key or --renew');
    const enrolled = await enrollWindowsDevice({
      url,
      email: values.email,
      token: values.token,
      ...(ca ? { ca } : {}),
      ...(values['device-id'] ? { deviceId: values['device-id'] } : {}),
      ...(values['user-token'] ? { credentials: 'user-token' as const } : {}),
    }).catch(simulatorFailure);
    const out = resolve(io.cwd, values.out ?? 'enrolled');
    mkdirSync(out, { recursive: true });
    const base = enrolled.deviceId.replace(/[^A-Za-z0-9._-]/g, '_');
    certPath = join(out, `${base}.crt`);
    keyPath = join(out, `${base}.key`);
    writeFileSync(certPath, enrolled.certPem);
    writeFileSync(keyPath, enrolled.keyPem, { mode: 0o600 });
    io.out(
      `enrolled device ${enrolled.deviceId}\n  certificate: ${rel(certPath)}\n  key:         ${rel(keyPath)}\n` +
        `  checks in at ${enrolled.mdmUrl}; renews at ${enrolled.enrollmentUrl}, ${enrolled.renewPeriodDays} days before expiry\n\n`,
    );
    url = httpUrl(enrolled.mdmUrl);
    winId = enrolled.deviceId;
  }

  if (values.renew) {
    if (!certPath || !keyPath) throw new CliError('ERR_CLI_USAGE', '--renew needs the current --cert and --key: the renewal is authenticated by them');
    const enrollmentUrl = values['enrollment-url'] ?? `${url.origin}/EnrollmentServer/Enrollment.svc`;
    const renewed = await renewWindowsCertificate({
      enrollmentUrl,
      certPem: read(certPath, io, 'certificate').toString('utf8'),
      keyPem: read(keyPath, io, 'key').toString('utf8'),
      deviceId: winId,
      ...(ca ? { ca } : {}),
    }).catch(simulatorFailure);
    // Like Windows, the device keeps only the new certificate.
    writeFileSync(certPath, renewed.certPem);
    writeFileSync(keyPath, renewed.keyPem, { mode: 0o600 });
    io.out(`renewed the certificate of ${winId} at ${enrollmentUrl}\n  certificate: ${rel(certPath)}\n  key:         ${rel(keyPath)}\n\n`);
  }

  const tls: SimulatorTlsOptions = {};
  if (certPath && keyPath) {
    tls.cert = read(certPath, io, 'certificate');
    tls.key = read(keyPath, io, 'key');
  }
  if (ca) tls.ca = ca;

  const device = new DeviceSimulator({
    url,
    winId,
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
    return simulatorFailure(error);
  } finally {
    await device.close();
  }
}

function httpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError('ERR_CLI_USAGE', `--url must be an http(s) URL such as https://127.0.0.1:8443/ManagementServer/MDM.svc, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CliError('ERR_CLI_USAGE', `--url must be http: or https:, got ${JSON.stringify(text)}`);
  return url;
}

/** Node's codes for a server certificate that no trusted CA vouches for. */
const UNTRUSTED_SERVER = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/**
 * A simulator failure as one line: why the server refused the device, or the simulator's code and
 * message, with what to do when the server's certificate is not trusted (the usual first mistake:
 * serve's certificate is its local CA's, which only --ca makes trusted).
 */
function simulatorFailure(error: unknown): never {
  if (error instanceof SimulatorHttpError && (error.status === 401 || error.status === 403)) {
    throw new CliError('ERR_CLI_RUNTIME', refusal(error), { cause: error });
  }
  if (error instanceof SimulatorNetworkError && UNTRUSTED_SERVER.has(String((error.cause as { code?: unknown } | undefined)?.code))) {
    const hint = "the server's certificate is not trusted: pass the CA that signed it with --ca (serve's <data-dir>/tls/ca.crt)";
    throw new CliError('ERR_CLI_RUNTIME', `${error.code}: ${error.message}; ${hint}`, { cause: error });
  }
  if (error instanceof DeviceSimError) throw new CliError('ERR_CLI_RUNTIME', `${error.code}: ${error.message}`, { cause: error });
  throw error;
}

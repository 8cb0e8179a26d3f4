import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import {
  createEnrollmentToken,
  importBundle,
  issueDeviceCertificate,
  LocalCa,
  Metrics,
  startWinmdmServer,
  timedStore,
  type CrashPoint,
  type EnrollmentSettingsInput,
  type Store,
  type WinmdmServer,
} from '@winmdm/server';
import { consoleRoutes } from '@winmdm/console';
import { CliError } from '../CliError.js';
import { parseCommand, type CommandSpec } from '../CommandSpec.js';
import type { Io } from '../Io.js';
import { oneLine } from '../oneLine.js';
import { dataDir, openStore, storeFlags, storeLocation } from '../openStore.js';
import { parseDuration } from '../parseDuration.js';
import { startUpstreamMode, upstreamEnv, upstreamFlags } from '../upstreamMode.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `winmdm serve`: its flags, environment and help. */
export const serveSpec = {
  name: 'serve',
  summary: 'Serve the OMA-DM device endpoint and the management API on one port.',
  flags: {
    ...storeFlags,
    port: { type: 'string', value: '8443', env: 'WINMDM_PORT', description: 'the port to listen on (0: any free port)' },
    host: { type: 'string', value: '127.0.0.1', env: 'WINMDM_HOST', description: 'the address to listen on (0.0.0.0: every interface)' },
    'no-tls': { type: 'boolean', env: 'WINMDM_NO_TLS=1', description: 'plain HTTP: behind a TLS-terminating proxy, or with --dev-auth on loopback' },
    'dev-auth': { type: 'boolean', env: 'WINMDM_DEV_AUTH=1', description: 'trust the SyncHdr Source of loopback peers without a certificate (experiments only)' },
    'trusted-proxy': { type: 'string', value: '<addr,...>', multiple: true, env: 'WINMDM_TRUSTED_PROXIES', description: 'proxies whose client-certificate header is believed' },
    'client-cert-header': { type: 'string', value: '<name>', description: 'the header such a proxy puts the certificate in (default X-Client-Cert)' },
    'mdm-path': { type: 'string', value: '<path>', description: 'the device endpoint\'s path (default /ManagementServer/MDM.svc)' },
    'public-url': {
      type: 'string',
      value: '<url>',
      description: "the device endpoint's URL as devices reach it (answers' Source, the enrollment services' host and the DM account's ADDR)",
    },
    'tls-cert': { type: 'string', value: '<pem>', env: 'WINMDM_TLS_CERT', description: 'your own server certificate (chain included) instead of the local CA\'s: one Windows already trusts' },
    'tls-key': { type: 'string', value: '<pem>', env: 'WINMDM_TLS_KEY', description: "that certificate's private key" },
    'no-enrollment': { type: 'boolean', env: 'WINMDM_NO_ENROLLMENT=1', description: 'do not serve Windows enrollment (/EnrollmentServer/...)' },
    'provider-id': { type: 'string', value: 'winmdm', env: 'WINMDM_PROVIDER_ID', description: "the DM account's provider id and name, written at enrollment" },
    'cert-validity-days': { type: 'string', value: '365', env: 'WINMDM_CERT_VALIDITY_DAYS', description: 'validity of the certificates enrollment issues' },
    'cert-renew-days': { type: 'string', value: '42', env: 'WINMDM_CERT_RENEW_DAYS', description: 'devices renew their certificate this many days before it expires' },
    'poll-interval-minutes': { type: 'string', value: '480', env: 'WINMDM_POLL_INTERVAL_MINUTES', description: 'how often enrolled devices check in once the first two hours are over' },
    'no-console': { type: 'boolean', env: 'WINMDM_NO_CONSOLE=1', description: 'do not serve the web console at /console/' },
    demo: { type: 'boolean', description: 'import fixtures/demo/bundle.json on first start and issue the demo devices\' certificates' },
    'log-level': { type: 'string', value: 'info', env: 'WINMDM_LOG_LEVEL', description: `JSON logs on stderr at this level (${LOG_LEVELS.join(', ')})` },
    'metrics-port': { type: 'string', value: '<port>', env: 'WINMDM_METRICS_PORT', description: '/metrics on a port of its own (plain HTTP, with /healthz and /readyz, which stay on the main port too)' },
    'shutdown-timeout': { type: 'string', value: '20', env: 'WINMDM_SHUTDOWN_TIMEOUT', description: 'seconds to let requests in flight finish on SIGTERM' },
    'verify-interval': {
      type: 'string',
      value: '<24h>',
      env: 'WINMDM_VERIFY_INTERVAL',
      description: 'drift detection for every policy: read each device\'s settings back this often (90s, 30m, 24h, 7d); without it, only policies with driftDetection.enabled, every 24h',
    },
    ...upstreamFlags,
  },
  env: {
    WINMDM_PG_SCHEMA: 'the PostgreSQL schema of winmdm\'s tables (default public)',
    ...upstreamEnv,
    WINMDM_TEST_HOOKS: '1 enables test aids (WINMDM_CRASH_AT); never in production',
    WINMDM_CRASH_AT: 'test aid, with WINMDM_TEST_HOOKS=1 only: before-commit:<n> or after-commit:<n> kills the process at that point of the n-th device message',
  },
  notes: [
    '`npm start` runs `winmdm serve --demo`; pass flags after --: npm start -- --port 8444',
    'On first start serve creates a local CA and a server certificate under <data-dir>/tls/.',
  ],
} as const satisfies CommandSpec;

/** The demo fleet `npm start` imports on first start. */
const DEMO_BUNDLE = fileURLToPath(new URL('../../../../fixtures/demo/bundle.json', import.meta.url));

interface DemoInfo {
  token: string;
  /** A fresh enrollment token of the first organization, and the user it is for. */
  enrollment: { token: string; email: string } | undefined;
  devices: { winId: string; certPath: string; keyPath: string }[];
}

async function importDemo(store: Store, dir: string, server: WinmdmServer, io: Io): Promise<DemoInfo> {
  const bundle = JSON.parse(readFileSync(DEMO_BUNDLE, 'utf8')) as {
    organizations: { id: string }[];
    apiTokens: { token: string; permissions: string[] }[];
    mdmUsers?: { organizationId: string; email: string }[];
    devices: { id: string; winId?: string }[];
  };
  const firstOrg = bundle.organizations[0]?.id ?? '';
  const fresh = (await store.transaction((tx) => tx.getDocument('organizations', firstOrg))) === undefined;
  if (fresh) {
    await importBundle(store, bundle);
    io.out(`imported the demo fleet from ${relative(io.cwd, DEMO_BUNDLE)}\n`);
  }
  const token = bundle.apiTokens.find((t) => t.permissions.includes('mdm.windows.device.update'))?.token ?? '';
  const devices: DemoInfo['devices'] = [];
  const out = join(dir, 'devices');
  for (const device of bundle.devices) {
    if (!device.winId || !server.ca) continue;
    const certPath = join(out, `${device.winId}.crt`);
    const keyPath = join(out, `${device.winId}.key`);
    if (!existsSync(certPath) || fresh) await issueDeviceCertificate(store, server.ca, device.id, out);
    devices.push({ winId: device.winId, certPath, keyPath });
  }
  // A new one on every start (a week, any number of devices): the secret itself is never stored.
  const email = bundle.mdmUsers?.find((u) => u.organizationId === firstOrg)?.email;
  const enrollment =
    email && server.enrollment
      ? { email, token: (await store.transaction((tx) => createEnrollmentToken(tx, firstOrg, { email, expiresInHours: 168 }, new Date()))).token }
      : undefined;
  return { token, devices, enrollment };
}

/** `winmdm serve`: the device endpoint and the management API on one port. */
export async function serveCommand(argv: string[], io: Io, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommand(serveSpec, argv);
  if (positionals.length > 0) throw new CliError('ERR_CLI_USAGE', `serve takes no arguments, got ${JSON.stringify(positionals[0])}; see winmdm serve --help`);
  const env = io.env;
  const port = parsePort(values.port, env['WINMDM_PORT']);
  const host = values.host ?? env['WINMDM_HOST'] ?? '127.0.0.1';
  const metricsPortText = values['metrics-port'] ?? env['WINMDM_METRICS_PORT'];
  const metricsPort = metricsPortText === undefined ? undefined : Number(metricsPortText);
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)) {
    throw new CliError('ERR_CLI_USAGE', `--metrics-port must be 0-65535, got ${String(metricsPortText)}`);
  }
  const shutdownText = values['shutdown-timeout'] ?? env['WINMDM_SHUTDOWN_TIMEOUT'] ?? '20';
  const shutdownSeconds = Number(shutdownText);
  if (!Number.isFinite(shutdownSeconds) || shutdownSeconds < 0) {
    throw new CliError('ERR_CLI_USAGE', `--shutdown-timeout must be a number of seconds, got ${shutdownText}`);
  }
  const verifyText = values['verify-interval'] ?? env['WINMDM_VERIFY_INTERVAL'];
  const verifyIntervalMs = verifyText === undefined ? undefined : parseDuration(verifyText, values['verify-interval'] !== undefined ? '--verify-interval' : 'WINMDM_VERIFY_INTERVAL');
  const dir = dataDir(values, io);
  const tlsOff = values['no-tls'] ?? env['WINMDM_NO_TLS'] === '1';
  const consoleWanted = !(values['no-console'] ?? env['WINMDM_NO_CONSOLE'] === '1');
  const devAuth = values['dev-auth'] ?? env['WINMDM_DEV_AUTH'] === '1';
  const proxies = (values['trusted-proxy'] ?? (env['WINMDM_TRUSTED_PROXIES'] ? [env['WINMDM_TRUSTED_PROXIES']] : []))
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
  const level = values['log-level'] ?? env['WINMDM_LOG_LEVEL'] ?? 'info';
  if (!LOG_LEVELS.includes(level)) {
    throw new CliError('ERR_CLI_USAGE', `${values['log-level'] !== undefined ? '--log-level' : 'WINMDM_LOG_LEVEL'} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  const publicUrl = values['public-url'];
  if (publicUrl !== undefined && !isHttpUrl(publicUrl)) {
    // Enrollment builds the services' URLs and the DM account's ADDR from it: a wrong one must not start.
    throw new CliError('ERR_CLI_USAGE', `--public-url must be the device endpoint's absolute http(s) URL, such as https://mdm.example.com/ManagementServer/MDM.svc, got ${JSON.stringify(publicUrl)}`);
  }
  const crash = parseCrash(env);
  const certificate = ownCertificate(values['tls-cert'] ?? env['WINMDM_TLS_CERT'], values['tls-key'] ?? env['WINMDM_TLS_KEY'], io);
  const enrollment = enrollmentSettings(values, env);
  // Logs (JSON lines) go to stderr; stdout keeps the few lines a person reads.
  const logger = pino({ level }, pino.destination(2));
  if (crash) logger.warn({ crash }, 'TEST HOOKS ARE ON (WINMDM_TEST_HOOKS=1): this process kills itself at the crash point. Never in production.');

  // Behind a TLS-terminating proxy the listener is plain, but the devices' certificates are still
  // the local CA's: it verifies the proxy's certificate header and signs at enrollment, as with TLS.
  const behindProxy = tlsOff && proxies.length > 0;

  // What this start creates, so that a start that fails leaves nothing behind.
  const location = storeLocation(values, io);
  const created = {
    dataDir: !existsSync(dir),
    database: 'sqlite' in location && !existsSync(location.sqlite),
    tls: (!tlsOff || behindProxy) && !existsSync(join(dir, 'tls')),
  };
  const undoStart = (): void => {
    if ('sqlite' in location && created.database) {
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${location.sqlite}${suffix}`, { force: true });
    }
    if (created.dataDir) rmSync(dir, { recursive: true, force: true });
    else if (created.tls) rmSync(join(dir, 'tls'), { recursive: true, force: true });
  };

  const metrics = new Metrics();
  let opened: Awaited<ReturnType<typeof openStore>>;
  try {
    opened = await openStore(values, io);
  } catch (error) {
    undoStart();
    throw error;
  }
  const { description } = opened;
  // Every component's transactions are timed into the same histogram.
  const store = timedStore(opened.store, metrics);
  let upstream: ReturnType<typeof startUpstreamMode>;
  let server: WinmdmServer;
  try {
    upstream = startUpstreamMode(values, io, store, logger, metrics);
    try {
      server = await startWinmdmServer({
        store,
        logger,
        host,
        port,
        tls: tlsOff ? false : { dataDir: dir, ...(certificate ? { certificate } : {}) },
        ...(behindProxy ? { ca: LocalCa.open(join(dir, 'tls')) } : {}),
        enrollment: values['no-enrollment'] || env['WINMDM_NO_ENROLLMENT'] === '1' ? false : { settings: enrollment },
        devAuth,
        trustedProxies: proxies,
        ...(values['client-cert-header'] ? { clientCertHeader: values['client-cert-header'] } : {}),
        ...(values['mdm-path'] ? { mdmPath: values['mdm-path'] } : {}),
        ...(publicUrl ? { publicUrl } : {}),
        ...(upstream ? { source: upstream.source, api: false, upstreamBreaker: () => upstream!.breakerState } : {}),
        // The console is a client of this server's management API: none without it.
        ...(consoleWanted && !upstream ? { routes: consoleRoutes() } : {}),
        ...(crash ? { crash } : {}),
        ...(metricsPort !== undefined ? { metricsPort } : {}),
        ...(verifyIntervalMs !== undefined ? { verify: { all: true, intervalMs: verifyIntervalMs } } : {}),
        metrics,
      });
    } catch (error) {
      await upstream?.stop();
      throw new CliError('ERR_CLI_RUNTIME', `cannot start: ${listenAdvice(error, host, port, metricsPort) ?? oneLine(error)}`, { cause: error });
    }
  } catch (error) {
    await store.close();
    undoStart();
    throw error;
  }

  io.out(`winmdm is serving on ${description}\n`);
  io.out(`  device endpoint: ${server.mdmUrl}${devAuth ? '   (DEV AUTH: SyncHdr trusted for loopback peers)' : ''}\n`);
  if (upstream) io.out(`  upstream API:    ${upstream.url} (sync agent mode: no management API here)\n`);
  else io.out(`  management API:  ${server.origin}/mdm/windows/devices/{id}\n`);
  if (consoleWanted && !upstream) io.out(`  web console:     ${server.origin}/console/\n`);
  if (server.ca) io.out(`  local CA:        ${join(dir, 'tls', 'ca.crt')}\n`);
  if (server.enrollment) io.out(`  enrollment:      ${server.origin}${server.enrollment.discoveryPath}\n`);
  const ops = server.metricsHttp?.origin ?? server.origin;
  io.out(`  operations:      ${ops}/metrics  ${ops}/healthz  ${ops}/readyz  ${server.origin}/openapi.json\n`);
  if (values.demo && !upstream) {
    const demo = await importDemo(store, dir, server, io);
    const first = demo.devices[0];
    const caFile = relative(io.cwd, join(dir, 'tls', 'ca.crt'));
    io.out(`\ndemo API token: ${demo.token}\n`);
    io.out(`  curl -s --cacert ${caFile} -H 'Authorization: Bearer ${demo.token}' ${server.origin}/mdm/windows/devices/dev-contoso-003\n`);
    if (first) {
      const rel = (p: string): string => relative(io.cwd, p);
      io.out(
        `run a simulated Windows device against it:\n` +
          `  npx winmdm simulate --url ${server.mdmUrl} --device ${first.winId} ` +
          `--cert ${rel(first.certPath)} --key ${rel(first.keyPath)} --ca ${rel(join(dir, 'tls', 'ca.crt'))}\n`,
      );
    }
    if (demo.enrollment) {
      io.out(
        `\ndemo enrollment token (${demo.enrollment.email}, valid 7 days): ${demo.enrollment.token}\n` +
          `enroll a new simulated Windows device with it (discovery, XCEP, WSTEP), then check in:\n` +
          `  npx winmdm simulate --enroll --url ${server.origin} --email ${demo.enrollment.email} --token ${demo.enrollment.token} --ca ${caFile}\n`,
      );
    }
  }

  let signals = 0;
  let stopListening = (): void => undefined;
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      signals++;
      if (signals === 1) return resolve();
      // A second signal while draining: stop waiting for the requests still running.
      logger.warn('second stop signal: cutting the remaining connections');
      void server.close();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
    stopListening = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
  });
  io.out('stopping\n');
  logger.info({ timeoutSeconds: shutdownSeconds }, 'shutting down: answering the requests already accepted');
  const drained = await server.shutdown(shutdownSeconds * 1000);
  if (!drained) logger.warn({ timeoutSeconds: shutdownSeconds }, 'shutdown timeout: connections still busy were cut');
  // The reports queued so far get one more delivery attempt; what is left stays in the outbox.
  await upstream?.stop();
  await store.close();
  stopListening();
  logger.info({ drained }, 'stopped');
  return 0;
}

/** The port from `--port` or WINMDM_PORT, with an error that names where the bad value came from. */
function parsePort(flag: string | undefined, env: string | undefined): number {
  const text = flag ?? env ?? '8443';
  const port = Number(text);
  if (text.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError('ERR_CLI_USAGE', `${flag !== undefined ? '--port' : 'WINMDM_PORT'} must be a port number from 0 to 65535, got ${JSON.stringify(text)}`);
  }
  return port;
}

function isHttpUrl(text: string): boolean {
  return URL.canParse(text) && ['https:', 'http:'].includes(new URL(text).protocol);
}

/** What to do when listening failed for a reason the user can fix, or undefined for other failures. */
function listenAdvice(error: unknown, host: string, port: number, metricsPort: number | undefined): string | undefined {
  const failed = error as { code?: unknown; port?: unknown };
  const code = failed.code;
  // The metrics listener is the second one: the error says which port it was.
  const metrics = metricsPort !== undefined && metricsPort !== port && failed.port === metricsPort;
  const busy = metrics ? metricsPort : port;
  const where = `${host.includes(':') ? `[${host}]` : host}:${busy}`;
  if (code === 'EADDRINUSE') {
    const other = busy === 65535 ? 8443 : busy + 1;
    if (metrics) return `${where} (--metrics-port) is already in use: choose another with --metrics-port (WINMDM_METRICS_PORT)`;
    return (
      `${where} is already in use (another winmdm, or another server). Stop it, or listen on another port: ` +
      `winmdm serve --port ${other} (or WINMDM_PORT=${other}); with npm start, pass it after --: npm start -- --port ${other}`
    );
  }
  if (code === 'EACCES') return `listening on ${where} is not permitted (ports below 1024 need privileges): choose another with --port`;
  if (code === 'EADDRNOTAVAIL') return `${host} is not an address of this machine: choose another with --host (127.0.0.1, or 0.0.0.0 for every interface)`;
  return undefined;
}

/**
 * The crash point of the crash-safety tests (WINMDM_CRASH_AT), honoured only behind the explicit
 * test flag WINMDM_TEST_HOOKS=1: a stray variable must never make a production server kill itself,
 * nor be ignored without a word.
 */
function parseCrash(env: Io['env']): CrashPoint | undefined {
  const value = env['WINMDM_CRASH_AT'];
  if (!value) return undefined;
  if (env['WINMDM_TEST_HOOKS'] !== '1') {
    throw new CliError('ERR_CLI_USAGE', 'WINMDM_CRASH_AT is a test aid that kills the server; it is honoured only with WINMDM_TEST_HOOKS=1 (unset it to serve)');
  }
  const match = /^(before-commit|after-commit):(\d+)$/.exec(value);
  if (!match) throw new CliError('ERR_CLI_USAGE', `WINMDM_CRASH_AT must be before-commit:<n> or after-commit:<n>, got ${value}`);
  return { at: match[1] as CrashPoint['at'], message: Number(match[2]) };
}

/** `--tls-cert`/`--tls-key`: a server certificate Windows already trusts, instead of the local CA's. */
function ownCertificate(certPath: string | undefined, keyPath: string | undefined, io: Io): { certPem: string; keyPem: string } | undefined {
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (!certPath || !keyPath) throw new CliError('ERR_CLI_USAGE', '--tls-cert and --tls-key go together');
  const read = (path: string, what: string): string => {
    try {
      return readFileSync(resolve(io.cwd, path), 'utf8');
    } catch (error) {
      throw new CliError('ERR_CLI_INPUT', `cannot read ${what} ${path}: ${oneLine(error)}`, { cause: error });
    }
  };
  return { certPem: read(certPath, 'the TLS certificate'), keyPem: read(keyPath, 'the TLS key') };
}

/** The enrollment flags, or their environment variables. */
function enrollmentSettings(
  values: { 'provider-id'?: string; 'cert-validity-days'?: string; 'cert-renew-days'?: string; 'poll-interval-minutes'?: string },
  env: Readonly<Record<string, string | undefined>>,
): EnrollmentSettingsInput {
  const whole = (flag: string, value: string | undefined, min: number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new CliError('ERR_CLI_USAGE', `--${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return n;
  };
  const validity = whole('cert-validity-days', values['cert-validity-days'] ?? env['WINMDM_CERT_VALIDITY_DAYS'], 2, 3650);
  const renew = whole('cert-renew-days', values['cert-renew-days'] ?? env['WINMDM_CERT_RENEW_DAYS'], 1, 3649);
  const poll = whole('poll-interval-minutes', values['poll-interval-minutes'] ?? env['WINMDM_POLL_INTERVAL_MINUTES'], 1, 10_080);
  if ((renew ?? 42) >= (validity ?? 365)) {
    throw new CliError('ERR_CLI_USAGE', `--cert-renew-days (${renew ?? 42}) must be less than --cert-validity-days (${validity ?? 365})`);
  }
  const providerId = values['provider-id'] ?? env['WINMDM_PROVIDER_ID'];
  if (providerId !== undefined && !/^[A-Za-z0-9 ._-]{1,64}$/.test(providerId)) {
    throw new CliError('ERR_CLI_USAGE', `--provider-id must be 1 to 64 letters, digits, spaces, ".", "_" or "-", got ${JSON.stringify(providerId)}`);
  }
  return {
    ...(validity !== undefined ? { certificateValidityDays: validity } : {}),
    ...(renew !== undefined ? { renewPeriodDays: renew } : {}),
    ...(poll !== undefined ? { poll: { steadyIntervalMinutes: poll } } : {}),
    ...(providerId !== undefined ? { providerId, serviceName: providerId } : {}),
  };
}

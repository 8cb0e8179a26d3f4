import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import {
  importBundle,
  issueDeviceCertificate,
  Metrics,
  startWinmdmServer,
  timedStore,
  type CrashPoint,
  type Store,
  type WinmdmServer,
} from '@winmdm/server';
import { CliError } from '../CliError.js';
import type { Io } from '../Io.js';
import { dataDir, openStore } from '../openStore.js';
import { startUpstreamMode, upstreamFlags } from '../upstreamMode.js';

export const serveUsage = `winmdm serve [--db <path> | --pg <url>] [--data-dir <dir>] [--port 8443] [--host 127.0.0.1]
             [--no-tls] [--dev-auth] [--trusted-proxy <addr,...>] [--client-cert-header <name>]
             [--mdm-path <path>] [--public-url <url>] [--demo] [--log-level info]
             [--metrics-port <port>] [--shutdown-timeout <seconds>]
             [--upstream <url> --upstream-token <token> [--upstream-ca <file>]]`;

/** The demo fleet `npm start` imports on first start. */
const DEMO_BUNDLE = fileURLToPath(new URL('../../../../fixtures/demo/bundle.json', import.meta.url));

interface DemoInfo {
  token: string;
  devices: { winId: string; certPath: string; keyPath: string }[];
}

async function importDemo(store: Store, dir: string, server: WinmdmServer, io: Io): Promise<DemoInfo> {
  const bundle = JSON.parse(readFileSync(DEMO_BUNDLE, 'utf8')) as {
    organizations: { id: string }[];
    apiTokens: { token: string; permissions: string[] }[];
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
  return { token, devices };
}

/** `winmdm serve`: the device endpoint and the management API on one port. */
export async function serveCommand(argv: string[], io: Io, signal?: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      pg: { type: 'string' },
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'no-tls': { type: 'boolean' },
      'dev-auth': { type: 'boolean' },
      'trusted-proxy': { type: 'string', multiple: true },
      'client-cert-header': { type: 'string' },
      'mdm-path': { type: 'string' },
      'public-url': { type: 'string' },
      demo: { type: 'boolean' },
      'log-level': { type: 'string' },
      'metrics-port': { type: 'string' },
      'shutdown-timeout': { type: 'string' },
      ...upstreamFlags,
    },
  });
  const env = io.env;
  const port = Number(values.port ?? env['WINMDM_PORT'] ?? 8443);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('ERR_CLI_USAGE', `--port must be 0-65535, got ${String(values.port)}`);
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
  const dir = dataDir(values, io);
  const tlsOff = values['no-tls'] ?? env['WINMDM_NO_TLS'] === '1';
  const devAuth = values['dev-auth'] ?? env['WINMDM_DEV_AUTH'] === '1';
  const proxies = (values['trusted-proxy'] ?? (env['WINMDM_TRUSTED_PROXIES'] ? [env['WINMDM_TRUSTED_PROXIES']] : []))
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
  // Logs (JSON lines) go to stderr; stdout keeps the few lines a person reads.
  const logger = pino({ level: values['log-level'] ?? env['WINMDM_LOG_LEVEL'] ?? 'info' }, pino.destination(2));
  const crash = parseCrash(env['WINMDM_CRASH_AT']);

  const metrics = new Metrics();
  const opened = await openStore(values, io);
  const { description } = opened;
  // Every component's transactions are timed into the same histogram.
  const store = timedStore(opened.store, metrics);
  let upstream: ReturnType<typeof startUpstreamMode>;
  try {
    upstream = startUpstreamMode(values, io, store, logger, metrics);
  } catch (error) {
    await store.close();
    throw error;
  }
  let server: WinmdmServer;
  try {
    server = await startWinmdmServer({
      store,
      logger,
      host,
      port,
      tls: tlsOff ? false : { dataDir: dir },
      devAuth,
      trustedProxies: proxies,
      ...(values['client-cert-header'] ? { clientCertHeader: values['client-cert-header'] } : {}),
      ...(values['mdm-path'] ? { mdmPath: values['mdm-path'] } : {}),
      ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
      ...(upstream ? { source: upstream.source, api: false, upstreamBreaker: () => upstream!.breakerState } : {}),
      ...(crash ? { crash } : {}),
      ...(metricsPort !== undefined ? { metricsPort } : {}),
      metrics,
    });
  } catch (error) {
    await upstream?.stop();
    await store.close();
    throw new CliError('ERR_CLI_RUNTIME', `cannot start: ${(error as Error).message}`, { cause: error });
  }

  io.out(`winmdm is serving on ${description}\n`);
  io.out(`  device endpoint: ${server.mdmUrl}${devAuth ? '   (DEV AUTH: SyncHdr trusted for loopback peers)' : ''}\n`);
  if (upstream) io.out(`  upstream API:    ${upstream.url} (sync agent mode: no management API here)\n`);
  else io.out(`  management API:  ${server.origin}/mdm/windows/devices/{id}\n`);
  if (server.ca) io.out(`  local CA:        ${join(dir, 'tls', 'ca.crt')}\n`);
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

function parseCrash(value: string | undefined): CrashPoint | undefined {
  if (!value) return undefined;
  const match = /^(before-commit|after-commit):(\d+)$/.exec(value);
  if (!match) throw new CliError('ERR_CLI_USAGE', `WINMDM_CRASH_AT must be before-commit:<n> or after-commit:<n>, got ${value}`);
  return { at: match[1] as CrashPoint['at'], message: Number(match[2]) };
}

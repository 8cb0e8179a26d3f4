import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Store } from './store/Store.js';
import { DeviceEndpoint, type CrashPoint } from './device/DeviceEndpoint.js';
import { StorePolicySource, type PolicySource } from './device/PolicySource.js';
import { startServer, type RunningHttpServer } from './http/startServer.js';
import { Router } from './http/Router.js';
import type { Route } from './http/Route.js';
import { deviceRoute } from './http/deviceRoute.js';
import { createApiRoutes } from './api/createApiRoutes.js';
import { authenticate } from './api/authenticate.js';
import { Metrics } from './metrics/Metrics.js';
import { operationsRoutes } from './http/operationsRoutes.js';
import type { ChangeNotifier } from './api/ChangeNotifier.js';
import type { ReportHandler } from './api/ReportHandler.js';
import { LocalCa } from './tls/LocalCa.js';
import { StoreReportHandler } from './upstream/StoreReportHandler.js';

/** Options of {@link startWinmdmServer}. */
export interface WinmdmServerOptions {
  store: Store;
  logger?: Logger;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8443; 0 picks a free port. */
  port?: number;
  /**
   * TLS with the local CA under `<dataDir>/tls` (created on first start), or `false` for plain
   * HTTP (behind a TLS-terminating proxy, or `--dev-auth` experiments on loopback).
   */
  tls: false | { dataDir: string; serverNames?: readonly string[] };
  /** A CA to verify proxied client certificates with when TLS is off (default: the one under dataDir, if any). */
  ca?: LocalCa;
  devAuth?: boolean;
  trustedProxies?: readonly string[];
  clientCertHeader?: string;
  mdmPath?: string;
  /** The URL devices use (answers' SyncHdr Source when a device's Target is empty). */
  publicUrl?: string;
  /** Where desired state comes from (default: this server's store). */
  source?: PolicySource;
  /** Serve the management API too (default true; a sync agent in front of another MDM turns it off). */
  api?: boolean;
  notifier?: ChangeNotifier;
  reports?: ReportHandler;
  now?: () => Date;
  inventoryIntervalMs?: number;
  maxRequestBytes?: number;
  /** The metrics registry components count on (default: a new one with Node's process metrics). */
  metrics?: Metrics;
  /** More routes (declared like the management API's, see `Route`), e.g. another feature's table. */
  routes?: readonly Route[];
  /** Test aid for the crash-safety tests: kill the process at this point of the n-th device message. */
  crash?: CrashPoint;
}

/** A running winmdm server. */
export interface WinmdmServer {
  /** `https://127.0.0.1:8443` or `http://...`. */
  origin: string;
  /** The device endpoint's URL. */
  mdmUrl: string;
  port: number;
  /** The local CA (absent with plain HTTP and no CA given). */
  ca: LocalCa | undefined;
  http: RunningHttpServer;
  /** Every route the server answers, declared (what the OpenAPI document is generated from). */
  router: Router;
  metrics: Metrics;
  close(): Promise<void>;
}

const DEFAULT_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * Starts the device endpoint and the management API on one port, on the given store. The store's
 * migrations run first.
 */
export async function startWinmdmServer(options: WinmdmServerOptions): Promise<WinmdmServer> {
  const logger = options.logger ?? pino({ level: process.env['WINMDM_LOG_LEVEL'] ?? 'info' });
  await options.store.migrate();
  const mdmPath = options.mdmPath ?? '/ManagementServer/MDM.svc';
  if (!mdmPath.startsWith('/')) throw new Error(`the device endpoint's path must start with /, got ${mdmPath}`);
  const metrics = options.metrics ?? new Metrics();

  let ca = options.ca;
  let tls: { certPem: string; keyPem: string; caPem: string } | undefined;
  if (options.tls) {
    const dir = join(options.tls.dataDir, 'tls');
    ca ??= LocalCa.open(dir);
    const host = options.host ?? '127.0.0.1';
    const names = [...new Set([...(options.tls.serverNames ?? DEFAULT_NAMES), ...(host === '0.0.0.0' || host === '::' ? [] : [host])])];
    const server = ca.serverCertificate(dir, names);
    tls = { ...server, caPem: ca.certPem };
  }

  const endpoint = new DeviceEndpoint({
    store: options.store,
    source: options.source ?? new StorePolicySource(),
    logger: logger.child({ component: 'device-endpoint' }),
    serverUrl: options.publicUrl ?? `https://localhost${mdmPath}`,
    ...(options.now ? { now: options.now } : {}),
    ...(options.inventoryIntervalMs !== undefined ? { inventoryIntervalMs: options.inventoryIntervalMs } : {}),
    ...(options.maxRequestBytes !== undefined ? { maxRequestBytes: options.maxRequestBytes } : {}),
    ...(options.crash ? { crash: options.crash } : {}),
  });
  if (options.devAuth) {
    logger.warn('DEV AUTH IS ON: loopback clients are trusted as whatever device their SyncHdr names. Never use this in production.');
  }

  const identity = {
    ca,
    trustedProxies: options.trustedProxies ?? [],
    clientCertHeader: options.clientCertHeader ?? 'x-client-cert',
    devAuth: options.devAuth ?? false,
  };
  const router = new Router(
    [
      deviceRoute(endpoint, mdmPath as `/${string}`, identity),
      ...operationsRoutes({ metrics }),
      ...(options.api === false
        ? []
        : createApiRoutes({
            store: options.store,
            ...(options.now ? { now: options.now } : {}),
            ...(options.notifier ? { notifier: options.notifier } : {}),
            reports: options.reports ?? new StoreReportHandler(options.store),
          })),
      ...(options.routes ?? []),
    ],
    { authenticate: (req) => authenticate(options.store, req), metrics },
  );

  const http = await startServer({
    router,
    logger,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 8443,
    ...(tls ? { tls } : {}),
  });
  return {
    origin: http.origin,
    mdmUrl: `${http.origin}${mdmPath}`,
    port: http.port,
    ca,
    http,
    router,
    metrics,
    close: () => http.close(),
  };
}

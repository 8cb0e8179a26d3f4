import type { RetryPolicy } from '@winmdm/policy';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { ResolutionCache } from '@winmdm/policy';
import type { Store } from './store/Store.js';
import { DeviceEndpoint, type CrashPoint } from './device/DeviceEndpoint.js';
import { StorePolicySource, type PolicySource } from './device/PolicySource.js';
import { startServer, type RunningHttpServer } from './http/startServer.js';
import { Router } from './http/Router.js';
import type { Route } from './http/Route.js';
import { deviceRoute } from './http/deviceRoute.js';
import { createApiRoutes } from './api/createApiRoutes.js';
import { deliveryRoutes } from './api/deliveryRoutes.js';
import { authenticate } from './api/authenticate.js';
import { Metrics } from './metrics/Metrics.js';
import { timedStore } from './metrics/timedStore.js';
import { openApiRoute, operationsRoutes } from './http/operationsRoutes.js';
import { buildOpenApiDocument, type JsonValue } from './openapi/buildOpenApiDocument.js';
import { schemaNames } from './openapi/schemaNames.js';
import type { ReadinessOptions } from './health/checkReadiness.js';
import type { ChangeNotifier } from './api/ChangeNotifier.js';
import type { ReportHandler } from './api/ReportHandler.js';
import { LocalCa } from './tls/LocalCa.js';
import { StoreReportHandler } from './upstream/StoreReportHandler.js';
import { EnrollmentPaths, EnrollmentService } from './enrollment/EnrollmentService.js';
import { enrollmentRoutes } from './enrollment/enrollmentRoutes.js';
import type { EnrollmentAuthenticator } from './enrollment/EnrollmentAuthenticator.js';
import type { EnrollmentSettingsInput } from './enrollment/EnrollmentSettings.js';

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
  tls:
    | false
    | {
        dataDir: string;
        serverNames?: readonly string[];
        /**
         * Your own server certificate (PEM, chain included) and key instead of one from the local
         * CA: what a real deployment needs, since Windows must already trust the certificate of
         * `EnterpriseEnrollment.<domain>`. Client certificates are still verified against the local CA.
         */
        certificate?: { certPem: string; keyPem: string };
      };
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
  /** Tries of a failing command before it is quarantined, and the backoff between them (default 3, 5 minutes doubling). */
  retry?: RetryPolicy;
  /**
   * Drift detection: `intervalMs` between read-back rounds of a device (default 24 h), `all` for
   * every policy (else only those with `driftDetection.enabled`), `maxGets` per session (default 50).
   */
  verify?: { all?: boolean; intervalMs?: number; maxGets?: number };
  maxRequestBytes?: number;
  /** The metrics registry components count on (default: a new one with Node's process metrics). */
  metrics?: Metrics;
  /** More routes (declared like the management API's, see `Route`), e.g. another feature's table. */
  routes?: readonly Route[];
  /**
   * Serve `/metrics` (with `/healthz` and `/readyz`) on this port, plain HTTP, instead of on the
   * main port (0 picks a free one).
   */
  metricsPort?: number;
  /** How often the fleet-status aggregate is compacted (PostgreSQL; default 10 s). */
  aggregateCompactionMs?: number;
  /** Sync agent mode: the upstream breaker's state, which `/readyz` looks at. */
  upstreamBreaker?: () => 'closed' | 'open' | 'half-open';
  /** How long `/readyz` waits for the store (default 2000 ms). */
  readyTimeoutMs?: number;
  /**
   * Windows enrollment ([MS-MDE2]: discovery, XCEP, WSTEP, renewal) beside the device endpoint.
   * On by default wherever the management API is and a CA exists; `false` turns it off.
   */
  enrollment?: false | { settings?: EnrollmentSettingsInput; authenticators?: readonly EnrollmentAuthenticator[] };
  /** Merged policy stacks the device endpoint shares across devices (default: its own; see DeviceEndpointOptions). */
  resolutionCache?: ResolutionCache;
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
  /** The `--metrics-port` server, when there is one. */
  metricsHttp: RunningHttpServer | undefined;
  /** Every route the server answers, declared (what the OpenAPI document is generated from). */
  router: Router;
  metrics: Metrics;
  /** The OpenAPI 3.1 document of every route of the main port (what `GET /openapi.json` answers). */
  openapi(): JsonValue;
  /** Where Windows enrollment is served (absent when it is off: no management API, no CA, or `enrollment: false`). */
  enrollment: { discoveryPath: string } | undefined;
  /**
   * Graceful stop: `/readyz` turns 503, no new connections are accepted, and the requests already
   * accepted are answered (a device message finishes its transaction). Resolves true when all
   * were answered within `timeoutMs`, false when the rest had to be cut. The store stays open.
   */
  shutdown(timeoutMs: number): Promise<boolean>;
  /** Immediate stop. The store stays open. */
  close(): Promise<void>;
}

const DEFAULT_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * Starts the device endpoint and the management API on one port, on the given store. The store's
 * migrations run first.
 */
export async function startWinmdmServer(options: WinmdmServerOptions): Promise<WinmdmServer> {
  const logger = options.logger ?? pino({ level: process.env['WINMDM_LOG_LEVEL'] ?? 'info' });
  const metrics = options.metrics ?? new Metrics();
  const store = timedStore(options.store, metrics);
  // Nodes by state, from the fleet-status aggregate at scrape time.
  metrics.observeNodes(() => store.transaction((tx) => tx.countNodesByStatus()));
  await store.migrate();
  const mdmPath = options.mdmPath ?? '/ManagementServer/MDM.svc';
  if (!mdmPath.startsWith('/')) throw new Error(`the device endpoint's path must start with /, got ${mdmPath}`);
  const publicProtocol = options.publicUrl !== undefined && URL.canParse(options.publicUrl) ? new URL(options.publicUrl).protocol : undefined;
  if (options.publicUrl !== undefined && publicProtocol !== 'https:' && publicProtocol !== 'http:') {
    // Enrollment's service URLs and the DM account's ADDR are built from it: every enrollment would fail.
    throw new Error(`the public URL must be an absolute http(s) URL, got ${options.publicUrl}`);
  }

  let ca = options.ca;
  let tls: { certPem: string; keyPem: string; caPem: string } | undefined;
  if (options.tls) {
    const dir = join(options.tls.dataDir, 'tls');
    ca ??= LocalCa.open(dir);
    const host = options.host ?? '127.0.0.1';
    const names = [...new Set([...(options.tls.serverNames ?? DEFAULT_NAMES), ...(host === '0.0.0.0' || host === '::' ? [] : [host])])];
    const server = options.tls.certificate ?? ca.serverCertificate(dir, names);
    tls = { ...server, caPem: ca.certPem };
  }

  const endpoint = new DeviceEndpoint({
    store,
    source: options.source ?? new StorePolicySource(),
    logger: logger.child({ component: 'device-endpoint' }),
    serverUrl: options.publicUrl ?? `https://localhost${mdmPath}`,
    ...(options.now ? { now: options.now } : {}),
    ...(options.inventoryIntervalMs !== undefined ? { inventoryIntervalMs: options.inventoryIntervalMs } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.verify?.all !== undefined ? { verifyAll: options.verify.all } : {}),
    ...(options.verify?.intervalMs !== undefined ? { verifyIntervalMs: options.verify.intervalMs } : {}),
    ...(options.verify?.maxGets !== undefined ? { maxVerifyGets: options.verify.maxGets } : {}),
    ...(options.maxRequestBytes !== undefined ? { maxRequestBytes: options.maxRequestBytes } : {}),
    ...(options.crash ? { crash: options.crash } : {}),
    ...(options.resolutionCache ? { resolutionCache: options.resolutionCache } : {}),
    metrics,
  });
  if (options.devAuth) {
    logger.warn('DEV AUTH IS ON: loopback clients are trusted as whatever device their SyncHdr names. Never use this in production.');
  }

  let shuttingDown = false;
  const readiness: ReadinessOptions = {
    store,
    shuttingDown: () => shuttingDown,
    ...(options.upstreamBreaker ? { upstreamBreaker: options.upstreamBreaker } : {}),
    ...(options.readyTimeoutMs !== undefined ? { timeoutMs: options.readyTimeoutMs } : {}),
  };
  const identity = {
    ca,
    trustedProxies: options.trustedProxies ?? [],
    clientCertHeader: options.clientCertHeader ?? 'x-client-cert',
    devAuth: options.devAuth ?? false,
  };
  const enrollmentOn = options.api !== false && options.enrollment !== false && ca !== undefined;
  const enrollmentOptions = options.enrollment === false ? undefined : options.enrollment;
  const router = new Router(
    [
      deviceRoute(endpoint, mdmPath as `/${string}`, identity, metrics),
      ...operationsRoutes({ metrics, readiness, serveMetrics: options.metricsPort === undefined }),
      openApiRoute(() => openapi()),
      ...(options.api === false
        ? []
        : createApiRoutes({
            store,
            ...(options.now ? { now: options.now } : {}),
            ...(options.notifier ? { notifier: options.notifier } : {}),
            reports: options.reports ?? new StoreReportHandler(store),
          })),
      ...(options.api === false
        ? []
        : deliveryRoutes({ store, ...(options.now ? { now: options.now } : {}), ...(options.notifier ? { notifier: options.notifier } : {}) })),
      ...(enrollmentOn && ca
        ? enrollmentRoutes({
            service: new EnrollmentService({
              store,
              ca,
              logger: logger.child({ component: 'enrollment' }),
              metrics,
              ...(enrollmentOptions?.settings ? { settings: enrollmentOptions.settings } : {}),
              ...(enrollmentOptions?.authenticators ? { authenticators: enrollmentOptions.authenticators } : {}),
              ...(options.now ? { now: options.now } : {}),
            }),
            store,
            identity,
            mdmPath,
            ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
            ...(options.now ? { now: options.now } : {}),
          })
        : []),
      ...(options.routes ?? []),
    ],
    { authenticate: (req) => authenticate(store, req), metrics },
  );

  const openapi = (): JsonValue =>
    buildOpenApiDocument(router.routes, { schemaNames, ...(options.publicUrl ? { serverUrl: new URL(options.publicUrl).origin } : {}) });

  const http = await startServer({
    router,
    logger,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 8443,
    ...(tls ? { tls } : {}),
  });
  let metricsHttp: RunningHttpServer | undefined;
  if (options.metricsPort !== undefined) {
    try {
      metricsHttp = await startServer({
        router: new Router(operationsRoutes({ metrics, readiness }), { authenticate: (req) => authenticate(store, req), metrics }),
        logger,
        host: options.host ?? '127.0.0.1',
        port: options.metricsPort,
      });
    } catch (error) {
      await http.close();
      throw error;
    }
  }
  // On PostgreSQL what concurrent writers appended to the fleet-status aggregate is folded into
  // its counts now and then, by one replica at a time (nothing to do on SQLite).
  const compaction = setInterval(() => {
    void store.transaction((tx) => tx.compactNodeStatusCounts()).catch((error: unknown) => logger.warn({ err: error }, 'fleet-status compaction failed'));
  }, options.aggregateCompactionMs ?? 10_000);
  compaction.unref();
  return {
    origin: http.origin,
    mdmUrl: `${http.origin}${mdmPath}`,
    port: http.port,
    ca,
    http,
    metricsHttp,
    router,
    metrics,
    openapi,
    enrollment: enrollmentOn ? { discoveryPath: EnrollmentPaths.discovery } : undefined,
    shutdown: async (timeoutMs) => {
      shuttingDown = true;
      clearInterval(compaction);
      const [main] = await Promise.all([http.drain(timeoutMs), metricsHttp?.drain(timeoutMs)]);
      return main;
    },
    close: async () => {
      clearInterval(compaction);
      await Promise.all([http.close(), metricsHttp?.close()]);
    },
  };
}

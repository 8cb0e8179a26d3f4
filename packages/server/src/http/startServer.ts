import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { sendText } from './deviceRoute.js';
import type { Router } from './Router.js';

/** Options of {@link startServer}. */
export interface HttpServerOptions {
  /** Every route the server answers: the device endpoint, the management API, operations. */
  router: Router;
  logger: Logger;
  host: string;
  port: number;
  /** TLS material; absent means plain HTTP (behind a TLS-terminating proxy, or `--dev-auth` on loopback). */
  tls?: { certPem: string; keyPem: string; caPem: string };
}

/** A listening server. */
export interface RunningHttpServer {
  /** `https://host:port` or `http://host:port`. */
  origin: string;
  port: number;
  server: Server;
  /** Requests being answered right now. */
  readonly inFlight: number;
  /**
   * Graceful stop: no new connections, `Connection: close` on every answer from now on, idle
   * keep-alive connections closed; resolves true once every accepted request has been answered,
   * or false when `timeoutMs` passed first (then the remaining connections are cut).
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Immediate stop: every connection is cut. */
  close(): Promise<void>;
}

/** A 'data' listener that leaves the bytes to the HTTP parser. */
const ignore = (): void => undefined;

/** A request id a client or proxy sent that is safe to log as it is. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Starts the HTTP(S) server that carries the OMA-DM device endpoint and the management API on one
 * port; the router answers every path. With TLS, client certificates are requested but not
 * required at the TLS layer (API clients have none); the device endpoint refuses requests without
 * a valid one.
 */
export async function startServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | undefined;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Every log line of the request carries its id; a proxy's or client's X-Request-Id is kept
    // so that their logs and ours line up.
    const header = req.headers['x-request-id'];
    const reqId = typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : randomUUID();
    const log = options.logger.child({ reqId });
    res.setHeader('x-request-id', reqId);
    if (draining) res.setHeader('connection', 'close');
    inFlight++;
    log.debug({ method: req.method, path: url.pathname }, 'request received');
    const started = process.hrtime.bigint();
    res.once('close', () => {
      inFlight--;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (res.writableFinished) log.debug({ method: req.method, path: url.pathname, status: res.statusCode, ms }, 'request answered');
      else log.warn({ method: req.method, path: url.pathname, ms }, 'connection closed before the answer was sent');
      if (draining) {
        // A keep-alive connection whose answer started before the drain is idle now.
        server.closeIdleConnections();
        if (inFlight === 0) drained?.();
      }
    });
    void route(req, res, url, log).catch((error: unknown) => {
      log.error({ err: error, method: req.method, path: url.pathname }, 'request failed');
      if (!res.headersSent) sendText(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    });
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL, log: Logger): Promise<void> => {
    if (await options.router.dispatch(req, res, url, log)) return;
    sendText(res, 404, 'application/json', JSON.stringify({ status: false, error: { code: 404, message: 'Not found' } }));
  };

  const server: Server = options.tls
    ? createHttpsServer(
        {
          cert: options.tls.certPem,
          key: options.tls.keyPem,
          ca: options.tls.caPem,
          requestCert: true,
          rejectUnauthorized: false,
        },
        handler,
      )
    : createHttpServer(handler);
  if (options.tls) {
    // Node's HTTP server stops reading a connection whose previous answer is still being sent by
    // pausing its parser, which reads a TLS socket's decrypted bytes directly. The TLS layer still
    // hands over the rest of the records it has decrypted, and the paused parser fails on them
    // (HPE_PAUSED, a clientError): the connection closes under a request the server accepted,
    // which a loaded server does to sequential clients too, not only to pipelining ones. With a
    // 'data' listener the parser reads through the socket's stream instead, which buffers while paused.
    server.on('secureConnection', (socket: TLSSocket) => socket.on('data', ignore));
  }
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 60_000;
  // A client that vanishes mid-request must not take the process down.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Logged at debug: a client's broken request is its own business, but a server-side cause
    // (HPE_PAUSED above took temporary logging to find) must be visible to whoever looks.
    options.logger.debug({ code: error.code, message: error.message }, 'client error: connection closed');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const origin = `${options.tls ? 'https' : 'http'}://${host}:${port}`;
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  return {
    origin,
    port,
    server,
    get inFlight() {
      return inFlight;
    },
    drain: async (timeoutMs) => {
      draining = true;
      // Stops listening and closes the connections that are idle now; busy ones close after
      // their answer (`Connection: close`).
      server.close();
      const done = inFlight === 0 || (await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        drained = () => {
          clearTimeout(timer);
          resolve(true);
        };
      }));
      server.closeAllConnections();
      await closed;
      return done;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
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
  close(): Promise<void>;
}

/**
 * Starts the HTTP(S) server that carries the OMA-DM device endpoint and the management API on one
 * port; the router answers every path. With TLS, client certificates are requested but not
 * required at the TLS layer (API clients have none); the device endpoint refuses requests without
 * a valid one.
 */
export async function startServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const log = options.logger;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    void route(req, res, url).catch((error: unknown) => {
      log.error({ err: error, method: req.method, path: url.pathname }, 'request failed');
      if (!res.headersSent) sendText(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    });
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
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
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 60_000;
  // A client that vanishes mid-request must not take the process down.
  server.on('clientError', (_error, socket) => {
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
  return {
    origin,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

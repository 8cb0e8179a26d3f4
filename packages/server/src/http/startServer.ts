import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { DeviceEndpoint } from '../device/DeviceEndpoint.js';
import { BodyTooLargeError, readBody } from './readBody.js';
import { identifyDevice, type IdentityOptions } from './identifyDevice.js';

/** Something that answers part of the URL space (the management API); resolves false when the path is not its own. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/** Options of {@link startServer}. */
export interface HttpServerOptions {
  endpoint: DeviceEndpoint;
  logger: Logger;
  host: string;
  port: number;
  /** TLS material; absent means plain HTTP (behind a TLS-terminating proxy, or `--dev-auth` on loopback). */
  tls?: { certPem: string; keyPem: string; caPem: string };
  /** The device endpoint's path (default `/ManagementServer/MDM.svc`); query strings are accepted. */
  mdmPath?: string;
  identity: IdentityOptions;
  /** Further routes (the management API), tried before the 404. */
  routes?: readonly RouteHandler[];
}

/** A listening server. */
export interface RunningHttpServer {
  /** `https://host:port` or `http://host:port`. */
  origin: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

const SYNCML_TYPE = 'application/vnd.syncml.dm+xml';

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Starts the HTTP(S) server that carries the OMA-DM device endpoint and the management API on one
 * port. With TLS, client certificates are requested but not required at the TLS layer (API
 * clients have none); the device endpoint refuses requests without a valid one.
 */
export async function startServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const mdmPath = options.mdmPath ?? '/ManagementServer/MDM.svc';
  const log = options.logger;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    void route(req, res, url).catch((error: unknown) => {
      log.error({ err: error, method: req.method, path: url.pathname }, 'request failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    });
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (url.pathname === mdmPath) {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        return send(res, 405, 'text/plain', 'method not allowed\n');
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== SYNCML_TYPE) {
        log.warn({ contentType: req.headers['content-type'] }, 'device endpoint: unsupported content type');
        return send(res, 415, 'text/plain', `unsupported content type; expected ${SYNCML_TYPE}\n`);
      }
      let body: Buffer;
      try {
        body = await readBody(req, options.endpoint.maxRequestBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          log.warn({ limit: options.endpoint.maxRequestBytes }, 'device endpoint: body too large');
          res.setHeader('connection', 'close');
          return send(res, 413, 'text/plain', `${error.code}: ${error.message}\n`);
        }
        throw error;
      }
      const identity = identifyDevice(req, options.identity);
      const answer = await options.endpoint.handle(body, identity);
      return send(res, answer.status, answer.contentType, answer.body);
    }
    if (url.pathname === '/health' && req.method === 'GET') return send(res, 200, 'application/json', '{"status":"ok"}\n');
    for (const r of options.routes ?? []) if (await r(req, res, url)) return;
    send(res, 404, 'application/json', JSON.stringify({ status: false, error: { code: 404, message: 'Not found' } }));
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

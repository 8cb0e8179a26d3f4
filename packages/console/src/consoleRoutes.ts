import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { defineRawRoute, type RawRoute } from '@winmdm/server';

/** The console's files: plain ES modules, CSS and one HTML page, served as they are (no build step). */
export const consoleDirectory = fileURLToPath(new URL('../public/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The console talks only to the management API of its own origin, with the token the admin
 * typed: nothing else may load, run or frame it.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** Reads the console's files once: they are few and small (tens of KiB), and a change needs a restart anyway. */
function loadAssets(directory: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(directory)) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const body = readFileSync(join(directory, name));
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  return assets;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: Buffer | string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) });
  res.end(body);
}

/** Options of {@link consoleRoutes}. */
export interface ConsoleRoutesOptions {
  /** Where the files are (default {@link consoleDirectory}). */
  directory?: string;
}

/**
 * The web console's routes for `startWinmdmServer({ routes })`: `GET /console/` (the page),
 * `GET /console/{file}` (its modules and styles) and `GET /console` (a redirect to `/console/`).
 * The console needs no token to load; it asks the admin for an API token, keeps it in the
 * browser's session storage only, and calls the public management API with it, so it shows
 * exactly what the API allows that token. Files are answered with an `ETag` and `no-cache` (a
 * reload revalidates in one round trip) and a Content-Security-Policy that allows only this origin.
 *
 * @example
 * ```ts
 * const server = await startWinmdmServer({ store, tls: { dataDir }, routes: consoleRoutes() });
 * // https://127.0.0.1:8443/console/
 * ```
 */
export function consoleRoutes(options: ConsoleRoutesOptions = {}): RawRoute[] {
  const assets = loadAssets(options.directory ?? consoleDirectory);
  const serve = (res: ServerResponse, ifNoneMatch: string | undefined, name: string): void => {
    const asset = assets.get(name);
    if (asset === undefined) {
      send(res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'not found\n');
      return;
    }
    const headers = { 'content-type': asset.type, etag: asset.etag, 'cache-control': 'no-cache' };
    if (ifNoneMatch === asset.etag) send(res, 304, headers);
    else send(res, 200, headers, asset.body);
  };
  const responses = {
    200: { description: 'The file', content: { 'text/html': {}, 'text/javascript': {}, 'text/css': {} } },
    304: { description: 'Not modified (`If-None-Match`)' },
    404: { description: 'No such file' },
  };
  return [
    defineRawRoute({
      method: 'GET',
      path: '/console',
      operationId: 'consoleRedirect',
      summary: 'The web console (redirects to /console/)',
      tags: ['console'],
      responses: { 308: { description: 'To `/console/`' } },
      handle: async ({ res }) => send(res, 308, { location: '/console/', 'content-type': 'text/plain; charset=utf-8' }, 'see /console/\n'),
    }),
    defineRawRoute({
      method: 'GET',
      path: '/console/',
      operationId: 'consolePage',
      summary: 'The web console\'s page',
      tags: ['console'],
      responses,
      handle: async ({ req, res }) => serve(res, req.headers['if-none-match'], 'index.html'),
    }),
    defineRawRoute({
      method: 'GET',
      path: '/console/{file}',
      operationId: 'consoleFile',
      summary: 'A module or stylesheet of the web console',
      tags: ['console'],
      responses,
      handle: async ({ req, res, params }) => serve(res, req.headers['if-none-match'], params['file'] ?? ''),
    }),
  ];
}

/**
 * The baseline of the check-in benchmark, run as a child process like the real server: a raw
 * `node:http` server (and a `node:https` one that requests client certificates) that reads the
 * same request bodies and answers the same response bytes, recorded from the real server. It only
 * splices the request's SessionID into the recorded answer (the simulator checks it); there is no
 * parsing, no store, no policy.
 *
 * IPC: `templates` sets the recorded answers (for the device's first message, and for any later
 * one); answers `ready` with its URLs.
 */
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RawTemplates {
  /** The answer to a session's first message (the one with Alert 1201). */
  first: string;
  /** The answer to any later message of the session. */
  later: string;
}

export type RawServerMessage = { type: 'ready'; http: string; https: string };

const tls = JSON.parse(process.env['WINMDM_BENCH_RAW'] ?? '{}') as { certPem: string; keyPem: string; caPem: string };
let templates: RawTemplates = { first: '', later: '' };

const SESSION = /<SessionID>([^<]*)<\/SessionID>/;

function handler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const template = body.includes('<Data>1201</Data>') ? templates.first : templates.later;
    const session = SESSION.exec(body)?.[1] ?? '1';
    const answer = template.replace(SESSION, `<SessionID>${session}</SessionID>`);
    res.writeHead(200, { 'content-type': 'application/vnd.syncml.dm+xml', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
}

const http = createHttp(handler);
const https = createHttps({ cert: tls.certPem, key: tls.keyPem, ca: tls.caPem, requestCert: true, rejectUnauthorized: false }, handler);
http.keepAliveTimeout = 65_000;
https.keepAliveTimeout = 65_000;
await Promise.all([
  new Promise<void>((r) => http.listen(0, '127.0.0.1', r)),
  new Promise<void>((r) => https.listen(0, '127.0.0.1', r)),
]);
process.on('message', (message: { type: string; templates?: RawTemplates }) => {
  if (message.type === 'templates' && message.templates) templates = message.templates;
  else if (message.type === 'stop') process.exit(0);
});
const path = '/ManagementServer/MDM.svc';
process.send?.({
  type: 'ready',
  http: `http://127.0.0.1:${(http.address() as AddressInfo).port}${path}`,
  https: `https://127.0.0.1:${(https.address() as AddressInfo).port}${path}`,
} satisfies RawServerMessage);

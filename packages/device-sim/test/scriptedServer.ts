/**
 * A tiny scripted OMA-DM server for the tests: node:http (or https) on 127.0.0.1, port 0, that
 * records every request and answers each one with the next entry of a script.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parseMessage, serializeMessage, type Command, type SyncMLMessage } from '@winmdm/syncml';

export const ENDPOINT = '/ManagementServer/MDM.svc';

/** One request as the server saw it. */
export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The client certificate's subject CN and SHA-256 fingerprint, on https with `requestCert`. */
  peer?: { cn: string; fingerprint256: string };
}

/** What the server answers: an HTTP status and body, or a SyncML message to serialize. */
export type Answer = { status: number; body: string } | SyncMLMessage;

/** Answers request `index` (0-based), given what the device sent. */
export type Script = (index: number, request: SyncMLMessage | undefined, raw: string) => Answer;

export interface ScriptedServer {
  url: string;
  requests: Recorded[];
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startScriptedServer(script: Script, tls?: ServerOptions): Promise<ScriptedServer> {
  const requests: Recorded[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      const recorded: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      if (tls !== undefined) {
        const cert = (req.socket as TLSSocket).getPeerCertificate();
        if (cert.subject !== undefined) recorded.peer = { cn: String(cert.subject.CN), fingerprint256: cert.fingerprint256 };
      }
      requests.push(recorded);
      let parsed: SyncMLMessage | undefined;
      try {
        parsed = parseMessage(body);
      } catch {
        parsed = undefined;
      }
      const answer = script(requests.length - 1, parsed, body);
      const status = 'status' in answer ? answer.status : 200;
      const text = 'status' in answer ? answer.body : serializeMessage(answer);
      res.writeHead(status, { 'content-type': 'application/vnd.syncml.dm+xml' });
      res.end(text);
    });
  };
  const server: Server = tls === undefined ? createHttpServer(handler) : createHttpsServer(tls, handler);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}${ENDPOINT}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * A server message answering `request`: Status 200 for its SyncHdr and for every command that
 * needs one (like DESIGN §6), then `commands` numbered after them, then Final.
 */
export function serverMessage(
  request: SyncMLMessage,
  commands: Command[],
  options: { maxMsgSize?: number; final?: boolean; statusOf?: (command: Command) => string } = {},
): SyncMLMessage {
  const msgRef = request.header.msgId;
  const body: Command[] = [
    { kind: 'Status', cmdId: 1, msgRef, cmdRef: 0, cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] },
  ];
  for (const c of request.body) {
    if (c.kind === 'Status') continue;
    body.push({ kind: 'Status', cmdId: body.length + 1, msgRef, cmdRef: c.cmdId, cmd: c.kind, targetRefs: [], sourceRefs: [], data: options.statusOf?.(c) ?? '200', items: [] });
  }
  for (const c of commands) body.push({ ...c, cmdId: body.length + 1 });
  return {
    header: {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionId: request.header.sessionId,
      msgId: msgRef,
      target: request.header.source,
      source: request.header.target,
      ...(options.maxMsgSize === undefined ? {} : { meta: { maxMsgSize: options.maxMsgSize } }),
    },
    body,
    final: options.final ?? true,
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defineRawRoute } from '../src/http/Route.js';
import { Router } from '../src/http/Router.js';
import { startServer, type RunningHttpServer } from '../src/http/startServer.js';
import { LocalCa } from '../src/tls/LocalCa.js';
import { testLogger } from './support/server.js';

/**
 * Far more than loopback's kernel buffers hold while the client does not read: the server's write
 * of it is still pending when the next request arrives.
 */
const LARGE_ANSWER = 32 * 1024 * 1024;
/** A body that TLS carries in several records (16 KiB of plaintext each). */
const BODY_BYTES = 96 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'winmdm-http-'));
let ca: LocalCa;
let running: RunningHttpServer;

beforeAll(async () => {
  ca = LocalCa.open(dir);
  const server = ca.issue('server', '127.0.0.1', ['127.0.0.1']);
  const router = new Router(
    [
      defineRawRoute({
        method: 'GET',
        path: '/large',
        operationId: 'large',
        summary: 'a large answer',
        tags: [],
        responses: { 200: { description: 'bytes' } },
        handle: async ({ res }) => {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': LARGE_ANSWER });
          res.end(Buffer.alloc(LARGE_ANSWER, 0x61));
        },
      }),
      defineRawRoute({
        method: 'POST',
        path: '/count',
        operationId: 'count',
        summary: 'how many bytes the body had',
        tags: [],
        responses: { 200: { description: 'the count' } },
        handle: async ({ req, res }) => {
          let bytes = 0;
          for await (const chunk of req) bytes += (chunk as Buffer).length;
          const body = String(bytes);
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
          res.end(body);
        },
      }),
    ],
    { authenticate: () => Promise.reject(new Error('no API here')) },
  );
  running = await startServer({ router, logger: testLogger, host: '127.0.0.1', port: 0, tls: { certPem: server.certPem, keyPem: server.keyPem, caPem: ca.certPem } });
});

afterAll(async () => {
  await running.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything the server sends on `socket` until it closes or its bytes end with `tail`. */
function collect(socket: TLSSocket, tail: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  let last = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const finish = (): void => resolve(Buffer.concat(chunks, length));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      last = Buffer.concat([last, chunk]).subarray(-tail.length);
      if (last.equals(tail)) finish();
    });
    socket.once('close', finish);
    socket.once('error', reject);
  });
}

describe('the HTTPS server', () => {
  test('answers a request that arrives while its previous answer is still being sent, instead of closing the connection', async () => {
    const socket = connect({ host: '127.0.0.1', port: running.port, ca: ca.certPem });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const tail = Buffer.from(`\r\n\r\n${BODY_BYTES}`);
    const received = collect(socket, tail);
    socket.write('GET /large HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
    // The first bytes of the large answer mean the server has handed all of it to the socket. The
    // client stops reading, so that the server's write stays pending, and sends its next request
    // (pipelined, as HTTP/1.1 allows) in one write: headers and body in several TLS records, which
    // the server reads while its answer is still going out. A loaded server gets there with
    // sequential clients too: it reads their next request before it has seen its last write end.
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();
    const request = Buffer.concat([
      Buffer.from(`POST /count HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${BODY_BYTES}\r\n\r\n`),
      Buffer.alloc(BODY_BYTES, 0x62),
    ]);
    await new Promise<void>((resolve, reject) => socket.write(request, (error) => (error ? reject(error) : resolve())));
    socket.resume();
    const all = await received;
    socket.destroy();

    const status = Buffer.from('HTTP/1.1 200 OK\r\n');
    expect(all.subarray(0, status.length).equals(status)).toBe(true);
    // The second answer follows the whole first one, and counts the whole body.
    const second = all.indexOf('HTTP/1.1 ', LARGE_ANSWER);
    expect(second).toBeGreaterThan(LARGE_ANSWER);
    expect(all.subarray(second, second + status.length).toString('latin1')).toBe(status.toString('latin1'));
    expect(all.subarray(-tail.length).equals(tail)).toBe(true);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importBundle, issueDeviceCertificate, LocalCa, SqliteStore, startWinmdmServer, type Store, type WinmdmServer } from '@winmdm/server';
import { demoBundle, testLogger, windowsFirstMessage } from '../support/fleet.js';

/**
 * Behind a TLS-terminating proxy the server runs plain HTTP and takes the client certificate from
 * a header — only from the configured proxy addresses.
 */
const msg1 = windowsFirstMessage('DEMO-LAPTOP-003');

let dir: string;
let store: Store;
let ca: LocalCa;
let certPem: string;
const servers: WinmdmServer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'winmdm-proxy-'));
  store = SqliteStore.open(join(dir, 'winmdm.db'));
  await store.migrate();
  await importBundle(store, demoBundle());
  ca = LocalCa.open(join(dir, 'tls'));
  const issued = await issueDeviceCertificate(store, ca, 'DEMO-LAPTOP-003', join(dir, 'devices'));
  certPem = readFileSync(issued.certPath, 'utf8');
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(trustedProxies: string[]): Promise<WinmdmServer> {
  const server = await startWinmdmServer({ store, logger: testLogger, port: 0, tls: false, ca, trustedProxies, clientCertHeader: 'X-SSL-Client-Cert' });
  servers.push(server);
  return server;
}

async function post(server: WinmdmServer, cert: string | undefined): Promise<number> {
  const response = await request(server.mdmUrl, {
    method: 'POST',
    body: msg1.replace('<SessionID>1</SessionID>', `<SessionID>${Math.floor(Math.random() * 1e6)}</SessionID>`),
    headers: { 'content-type': 'application/vnd.syncml.dm+xml', ...(cert ? { 'x-ssl-client-cert': encodeURIComponent(cert) } : {}) },
  });
  await response.body.dump();
  return response.statusCode;
}

describe('a trusted TLS-terminating proxy', () => {
  test('passes the device certificate in its header', async () => {
    const server = await start(['127.0.0.1']);
    expect(await post(server, certPem)).toBe(200);
  });

  test('a certificate the CA did not issue is refused', async () => {
    const server = await start(['127.0.0.1']);
    const rogue = LocalCa.open(join(dir, 'rogue')).issue('client', 'DEMO-LAPTOP-003');
    expect(await post(server, rogue.certPem)).toBe(401);
    expect(await post(server, 'not a certificate')).toBe(401);
  });

  test('the header from an address that is not a trusted proxy is ignored', async () => {
    const server = await start(['10.0.0.7']);
    expect(await post(server, certPem)).toBe(401);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createServer, connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, test } from 'vitest';
import { LocalCa } from '../src/tls/LocalCa.js';

const dir = mkdtempSync(join(tmpdir(), 'winmdm-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalCa', () => {
  test('creates a CA once and loads the same one again', () => {
    const a = LocalCa.open(dir);
    const b = LocalCa.open(dir);
    expect(b.certPem).toBe(a.certPem);
    expect(a.certificate.ca).toBe(true);
    expect(a.certificate.verify(a.certificate.publicKey)).toBe(true);
  });

  test('issues device certificates it verifies, and rejects foreign ones', () => {
    const ca = LocalCa.open(dir);
    const device = ca.issue('client', 'device-1');
    const cert = new X509Certificate(device.certPem);
    expect(cert.subject).toContain('CN=device-1');
    expect(ca.verifies(cert)).toBe(true);
    expect(device.thumbprints.sha256).toMatch(/^[0-9A-F]{64}$/);
    expect(device.thumbprints.sha1).toMatch(/^[0-9A-F]{40}$/);

    const other = LocalCa.open(mkdtempSync(join(tmpdir(), 'winmdm-ca-other-')));
    expect(ca.verifies(new X509Certificate(other.issue('client', 'x').certPem))).toBe(false);
  });

  test('a real TLS handshake accepts the server certificate and authenticates the client certificate', async () => {
    const ca = LocalCa.open(dir);
    const server = ca.serverCertificate(dir, ['localhost', '127.0.0.1']);
    const client = ca.issue('client', 'device-2');
    const tls = createServer({ cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false }, (socket) => {
      const peer = socket.getPeerCertificate();
      socket.end(`${socket.authorized ? 'authorized' : 'unauthorized'}:${peer.subject?.CN ?? ''}`);
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const port = (tls.address() as AddressInfo).port;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certPem, cert: client.certPem, key: client.keyPem }, () => {
        let data = '';
        socket.on('data', (d) => (data += String(d)));
        socket.on('end', () => resolve(data));
      });
      socket.on('error', reject);
    });
    tls.close();
    expect(answer).toBe('authorized:device-2');
  });
});

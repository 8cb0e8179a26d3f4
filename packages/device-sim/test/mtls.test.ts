import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceSimulator } from '../src/index.js';
// Test-only: the server package's CA issues the certificates (no dependency of device-sim on server).
import { LocalCa, type IssuedCertificate } from '../../server/src/tls/LocalCa.js';
import { serverMessage, startScriptedServer, type ScriptedServer } from './scriptedServer.js';

const WIN_ID = 'DEVICE-TLS-1';

let dir: string;
let ca: LocalCa;
let client: IssuedCertificate;
let server: ScriptedServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'device-sim-tls-'));
  ca = LocalCa.open(dir);
  const serverCert = ca.issue('server', 'localhost', ['localhost', '127.0.0.1']);
  client = ca.issue('client', WIN_ID);
  server = await startScriptedServer(
    (_, message) => {
      if (message === undefined) throw new Error('unparsable');
      return serverMessage(message, message.header.msgId === 1 ? [{ kind: 'Get', cmdId: 0, items: [{ target: { locURI: './DevInfo/DevId' } }] }] : []);
    },
    { key: serverCert.keyPem, cert: serverCert.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true },
  );
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const fingerprint = (colonHex: string): string => colonHex.replace(/:/g, '').toUpperCase();

describe('client certificates', () => {
  it('the server sees the device certificate issued by the local CA, on every request of a keep-alive session', async () => {
    const device = new DeviceSimulator({ url: server.url, winId: WIN_ID, tls: { cert: client.certPem, key: client.keyPem, ca: ca.certPem } });
    try {
      const summary = await device.runSession();
      expect(summary.commandsReceived).toEqual({ Get: 1 });
    } finally {
      await device.close();
    }
    const peers = server.requests.map((r) => r.peer);
    expect(peers).toHaveLength(2);
    for (const peer of peers) {
      expect(peer?.cn).toBe(WIN_ID);
      expect(fingerprint(peer?.fingerprint256 ?? '')).toBe(client.thumbprints.sha256);
    }
  });

  it('keep-alive reuses one connection across sessions; per-session opens (and authenticates) a new one per session', async () => {
    const tls = { cert: client.certPem, key: client.keyPem, ca: ca.certPem };
    const twoSessions = async (connection: 'keep-alive' | 'per-session'): Promise<{ connections: number; peers: (string | undefined)[] }> => {
      const requests = server.requests.length;
      const connections = server.connections();
      const device = new DeviceSimulator({ url: server.url, winId: WIN_ID, connection, tls });
      await device.runSession();
      await device.runSession();
      await device.close();
      return { connections: server.connections() - connections, peers: server.requests.slice(requests).map((r) => r.peer?.cn) };
    };
    expect(await twoSessions('keep-alive')).toEqual({ connections: 1, peers: [WIN_ID, WIN_ID, WIN_ID, WIN_ID] });
    expect(await twoSessions('per-session')).toEqual({ connections: 2, peers: [WIN_ID, WIN_ID, WIN_ID, WIN_ID] });
  });

  it('without a client certificate the TLS handshake is refused: ERR_SIM_NETWORK', async () => {
    const device = new DeviceSimulator({ url: server.url, winId: WIN_ID, tls: { ca: ca.certPem } });
    try {
      await expect(device.runSession()).rejects.toMatchObject({ code: 'ERR_SIM_NETWORK', name: 'SimulatorNetworkError' });
    } finally {
      await device.close();
    }
  });
});

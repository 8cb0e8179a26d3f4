import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseMessage } from '@winmdm/syncml';
import { Validator } from '@seriousme/openapi-schema-validator';
import { SqliteStore, startWinmdmServer } from '@winmdm/server';
import { spawn } from 'node:child_process';
import { cliArgs, root, runCli } from '../support/cli.js';
import { testLogger } from '../support/fleet.js';

const dir = mkdtempSync(join(tmpdir(), 'winmdm-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('winmdm resolve', () => {
  test('prints the seed device\'s effective policy with provenance', async () => {
    const result = await runCli(['resolve', 'fixtures/bundles/seed.json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as {
      deviceWinPolicy: { config: Record<string, unknown> };
      provenance: { field: string; key: string; source: { layer: string } }[];
      complete: boolean;
    };
    expect(output.deviceWinPolicy.config['./Device/Vendor/MSFT/Policy/Config/Security/RequireDeviceEncryption']).toBeDefined();
    expect(output.provenance.length).toBeGreaterThan(0);
    expect(output.provenance.some((p) => p.source.layer === 'enforced')).toBe(true);
    expect(typeof output.complete).toBe('boolean');
  });

  test('--syncml prints the messages of a first session, in order, each a valid SyncML message', async () => {
    const result = await runCli(['resolve', 'fixtures/demo/bundle.json', '--device', 'DEMO-LAPTOP-001', '--syncml', '--max-msg-size', '4096']);
    expect(result.code).toBe(0);
    // Each message starts with its XML declaration (payloads such as the ADMX file hold newlines).
    const messages = result.stdout.split(/(?=<\?xml )/).map((xml) => parseMessage(xml.trim()));
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.map((m) => m.header.msgId)).toEqual(messages.map((_, i) => i + 1));
    expect(messages.every((m) => m.header.sessionId === '1' && m.header.target.locURI === 'DEMO-LAPTOP-001')).toBe(true);
    const order = messages.flatMap((m) => m.body).map((c) => ('items' in c ? (c.items[0]?.target?.locURI ?? '') : ''));
    const ingestion = order.findIndex((uri) => uri.includes('/ADMXInstall/ContosoCompanyApp/'));
    const value = order.findIndex((uri) => uri.includes('ContosoCompanyApp~Policy~'));
    expect(ingestion).toBeGreaterThanOrEqual(0);
    expect(value).toBeGreaterThan(ingestion);
  });

  test('bad input names the field path and exits non-zero', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ devices: [{ id: 'd', tags: 'sales' }], policies: [] }));
    const result = await runCli(['resolve', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('devices[0].tags');
    expect(result.stderr).toContain('is not a valid bundle');
    const usage = await runCli(['resolve']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('resolve reads one bundle: winmdm resolve <bundle.json>; see winmdm resolve --help');
  });
});

describe('winmdm import', () => {
  test('loads a bundle idempotently', async () => {
    const db = join(dir, 'import.db');
    const first = await runCli(['import', join(root, 'fixtures/demo/bundle.json'), '--db', db]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/devices: 4/);
    const second = await runCli(['import', join(root, 'fixtures/demo/bundle.json'), '--db', db]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/devices: 0/);
    const store = SqliteStore.open(db);
    const device = await store.transaction((tx) => tx.getDevice('dev-contoso-001'));
    await store.close();
    expect(device?.revision).toBe(1);
  });

  test('invalid input names the field path and changes nothing', async () => {
    const db = join(dir, 'invalid.db');
    const bundle = JSON.parse(readFileSync(join(root, 'fixtures/demo/bundle.json'), 'utf8')) as { apiTokens: { token: string }[] };
    bundle.apiTokens[1]!.token = 'short';
    const bad = join(dir, 'invalid-bundle.json');
    writeFileSync(bad, JSON.stringify(bundle));
    const result = await runCli(['import', bad, '--db', db]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('apiTokens[1].token: Tokens must be at least 16 characters');
    expect(result.stderr).toContain('nothing was imported');
    const store = SqliteStore.open(db);
    await store.migrate();
    expect(await store.transaction((tx) => tx.listDevices('org-contoso'))).toEqual([]);
    await store.close();
  });
});

describe('winmdm device-cert issue', () => {
  test('issues a certificate from the local CA and registers it to the device', async () => {
    const data = join(dir, 'data');
    await runCli(['import', join(root, 'fixtures/demo/bundle.json'), '--data-dir', data]);
    const result = await runCli(['device-cert', 'issue', '--device', 'dev-contoso-002', '--out', join(dir, 'certs'), '--data-dir', data]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('winId DEMO-DESKTOP-002');
    const sha256 = /SHA-256:\s+([0-9A-F]{64})/.exec(result.stdout)?.[1] ?? '';
    expect(readFileSync(join(dir, 'certs', 'DEMO-DESKTOP-002.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
    const store = SqliteStore.open(join(data, 'winmdm.db'));
    expect(await store.transaction((tx) => tx.findDeviceIdByThumbprint(sha256))).toBe('dev-contoso-002');
    await store.close();
    const unknown = await runCli(['device-cert', 'issue', '--device', 'nope', '--out', join(dir, 'certs'), '--data-dir', data]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no device with id or winId "nope"');
  });
});

describe('winmdm openapi', () => {
  test('prints a valid OpenAPI 3.1 document, the one GET /openapi.json answers', async () => {
    const result = await runCli(['openapi']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(await new Validator().validate(doc)).toEqual({ valid: true });
    const store = SqliteStore.open(':memory:');
    const server = await startWinmdmServer({ store, logger: testLogger, port: 0, tls: false });
    try {
      expect(doc).toEqual(server.openapi());
    } finally {
      await server.close();
      await store.close();
    }
  });
});

describe('a reader that stops reading', () => {
  test('ends the output quietly: `winmdm openapi | head` exits 0 with no stack trace', async () => {
    const child = spawn(process.execPath, cliArgs(['openapi']), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    // What head does: read the first bytes, then close the pipe (the document is far larger than a pipe's buffer).
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

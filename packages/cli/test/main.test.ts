import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashToken, LocalCa, SqliteStore } from '@winmdm/server';
import { main } from '../src/main.js';
import { startFleet, type Fleet } from '../../../test/support/fleet.js';

/**
 * The `winmdm` command as a user meets it, run in-process: help, version, every way of getting a
 * flag wrong, the refusals of a server, bundles with mistakes. No stack trace reaches the user for
 * any of them.
 */
const dir = mkdtempSync(join(tmpdir(), 'winmdm-cli-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const root = new URL('../../../', import.meta.url);
const demo = (): Record<string, unknown> => JSON.parse(readFileSync(new URL('fixtures/demo/bundle.json', root), 'utf8')) as Record<string, unknown>;

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  // WINMDM_LOG_LEVEL keeps a failing serve's JSON logs out of the test output.
  const code = await main(args, { out: (t) => void (out += t), err: (t) => void (err += t), env: { WINMDM_LOG_LEVEL: 'silent', ...env }, cwd: dir });
  expect(err, 'no stack trace').not.toMatch(/^\s+at /m);
  return { code, out, err };
}

function writeJson(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

async function busyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('help and version', () => {
  test('winmdm --help lists every command with its flags and their environment variables, and the other variables', async () => {
    const { code, out, err } = await run(['--help']);
    expect(code).toBe(0);
    expect(err).toBe('');
    for (const command of ['serve', 'resolve', 'explain', 'import', 'simulate', 'device-cert']) expect(out).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    expect(out).toMatch(/^ {2}--port 8443 +the port to listen on .*\[WINMDM_PORT\]$/m);
    expect(out).toMatch(/^ {2}--db <path> +SQLite file .*\[WINMDM_DB\]$/m);
    expect(out).toMatch(/^ {2}--url <url> +the server's device endpoint/m);
    expect(out).toMatch(/^ {2}WINMDM_PG_SCHEMA +the PostgreSQL schema/m);
    expect(out).toMatch(/^ {2}WINMDM_UPSTREAM_CACHE_TTL_MS +/m);
  });

  test('winmdm --version is the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('packages/cli/package.json', root), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ code: 0, out: `winmdm ${pkg.version}\n`, err: '' });
  });

  test.each(['serve', 'resolve', 'explain', 'import', 'simulate', 'device-cert'])('winmdm %s --help prints its help and exits 0', async (command) => {
    const { code, out, err } = await run([command, '--help']);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(new RegExp(`^usage: winmdm ${command}( |$)`));
    expect(out).toContain('flags (environment variable in brackets):');
    expect(await run(['help', command])).toEqual({ code: 0, out, err: '' });
  });

  test('no command prints the help on stderr and exits 2; an unknown one names the nearest', async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('commands:');
    expect(await run(['serv'])).toEqual({ code: 2, out: '', err: 'winmdm: unknown command "serv" (did you mean serve?); see winmdm --help\n' });
  });
});

describe('flags gone wrong', () => {
  test.each<[string[], Record<string, string>, string]>([
    [['resolve', 'x.json', '--devcie', 'd'], {}, 'winmdm resolve: unknown flag --devcie (did you mean --device?); see winmdm resolve --help\n'],
    [['serve', '--port'], {}, 'winmdm serve: --port needs a value (8443); see winmdm serve --help\n'],
    [['serve', '--port', '--demo'], {}, 'winmdm serve: --port needs a value (8443); see winmdm serve --help\n'],
    [['serve', '--demo=yes'], {}, 'winmdm serve: --demo takes no value; see winmdm serve --help\n'],
    [['serve'], { WINMDM_PORT: 'abc' }, 'winmdm serve: WINMDM_PORT must be a port number from 0 to 65535, got "abc"\n'],
    [['serve', '--port', '70000'], {}, 'winmdm serve: --port must be a port number from 0 to 65535, got "70000"\n'],
    [['serve', '--log-level', 'verbose'], {}, 'winmdm serve: --log-level must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"\n'],
    [['serve'], { WINMDM_LOG_LEVEL: 'loud' }, 'winmdm serve: WINMDM_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"\n'],
    [
      ['serve'],
      { WINMDM_CRASH_AT: 'after-commit:2' },
      'winmdm serve: WINMDM_CRASH_AT is a test aid that kills the server; it is honoured only with WINMDM_TEST_HOOKS=1 (unset it to serve)\n',
    ],
    [['simulate', '--url', 'not-a-url', '--device', 'X'], {}, 'winmdm simulate: --url must be an http(s) URL such as https://127.0.0.1:8443/ManagementServer/MDM.svc, got "not-a-url"\n'],
    [['simulate', '--url', 'ftp://host/x', '--device', 'X'], {}, 'winmdm simulate: --url must be http: or https:, got "ftp://host/x"\n'],
    [['simulate', '--url', 'https://h/x', '--device', 'X', '--sessions', '0'], {}, 'winmdm simulate: --sessions must be a positive integer, got "0"\n'],
    [['simulate', '--url', 'https://h', '--email', 'a@b.c', '--token', 't'], {}, 'winmdm simulate: --email goes with --enroll; see winmdm simulate --help\n'],
    [['simulate', '--url', 'https://h/x', '--device', 'X', '--enrollment-url', 'https://h/e'], {}, 'winmdm simulate: --enrollment-url goes with --renew; see winmdm simulate --help\n'],
    [['resolve'], {}, 'winmdm resolve: resolve reads one bundle: winmdm resolve <bundle.json>; see winmdm resolve --help\n'],
    [
      ['serve', '--public-url', 'mdm.example.com'],
      {},
      'winmdm serve: --public-url must be the device endpoint\'s absolute http(s) URL, such as https://mdm.example.com/ManagementServer/MDM.svc, got "mdm.example.com"\n',
    ],
  ])('%j %j', async (args, env, message) => {
    const { code, err } = await run(args, env);
    expect(err).toBe(message);
    expect(code).toBe(2);
  });
});

describe('winmdm enrollment-token create', () => {
  const db = join(dir, 'tokens.db');
  beforeAll(async () => {
    expect((await run(['import', writeJson('tokens-bundle.json', demo()), '--db', db])).code).toBe(0);
  });

  test('prints the token once, for the organization; the store keeps only its hash', async () => {
    const { code, out } = await run(['enrollment-token', 'create', '--org', 'org-contoso', '--email', 'Alice@Contoso.example', '--max-uses', '2', '--db', db]);
    expect(code).toBe(0);
    const match = /^enrollment token (et_\S+) for org-contoso, valid until (\S+):\n(wmet_\S+)\n$/.exec(out);
    expect(match, out).not.toBeNull();
    const [, id, expiresAt, token] = match as unknown as [string, string, string, string];
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const store = SqliteStore.open(db);
    try {
      const row = await store.transaction((tx) => tx.getEnrollmentToken(hashToken(token)));
      expect(row).toMatchObject({ id, organizationId: 'org-contoso', email: 'alice@contoso.example', maxUses: 2, uses: 0 });
    } finally {
      await store.close();
    }
  });

  test.each<[string[], string]>([
    [['create', '--org', 'org-nope'], 'winmdm enrollment-token: no organization "org-nope" in the store\n'],
    [['create', '--org', 'org-contoso', '--max-uses', 'abc'], 'winmdm enrollment-token: --max-uses must be a number, got "abc"\n'],
    [['create', '--org', 'org-contoso', '--max-uses', '2.5'], 'winmdm enrollment-token: --max-uses: Invalid input: expected int, received number, got "2.5"\n'],
    [['create', '--org', 'org-contoso', '--expires-in-hours', '9000'], 'winmdm enrollment-token: --expires-in-hours: Too big: expected number to be <=8760, got "9000"\n'],
    [['create', '--org', 'org-contoso', '--email', 'alice'], 'winmdm enrollment-token: --email: Invalid email address, got "alice"\n'],
    [['create'], 'winmdm enrollment-token: usage: winmdm enrollment-token create --org <organizationId>; see winmdm enrollment-token --help\n'],
  ])('%j', async (args, message) => {
    const { code, err } = await run(['enrollment-token', ...args, '--db', db]);
    expect(err).toBe(message);
    expect(code).toBe(args.includes('org-nope') ? 1 : 2);
  });
});

describe('serve that cannot start', () => {
  test('a port in use: says so, suggests --port (and how npm start passes it), and leaves no data directory behind', async () => {
    const { port, server } = await busyPort();
    try {
      const data = join(dir, 'busy-data');
      const { code, err } = await run(['serve', '--port', String(port), '--data-dir', data]);
      expect(code).toBe(1);
      expect(err).toBe(
        `winmdm serve: cannot start: 127.0.0.1:${port} is already in use (another winmdm, or another server). Stop it, or listen on another port: ` +
          `winmdm serve --port ${port + 1} (or WINMDM_PORT=${port + 1}); with npm start, pass it after --: npm start -- --port ${port + 1}\n`,
      );
      expect(existsSync(data)).toBe(false);
    } finally {
      server.close();
    }
  });

  test('in a data directory that exists, a failed start removes the database and tls/ it created, and nothing else', async () => {
    const { port, server } = await busyPort();
    try {
      const data = join(dir, 'kept-data');
      mkdirSync(data);
      writeFileSync(join(data, 'notes.txt'), 'mine');
      expect((await run(['serve', '--port', String(port), '--data-dir', data])).code).toBe(1);
      expect(existsSync(join(data, 'tls'))).toBe(false);
      expect(existsSync(join(data, 'winmdm.db'))).toBe(false);
      expect(readFileSync(join(data, 'notes.txt'), 'utf8')).toBe('mine');
    } finally {
      server.close();
    }
  });

  test('a PostgreSQL that does not answer: one line naming it (password hidden)', async () => {
    const { port, server } = await busyPort();
    server.close();
    const { code, err } = await run(['serve', '--pg', `postgres://winmdm:secret@127.0.0.1:${port}/winmdm`, '--data-dir', join(dir, 'pg-data')]);
    expect(code).toBe(1);
    expect(err).toBe(`winmdm serve: cannot use PostgreSQL postgres://winmdm:***@127.0.0.1:${port}/winmdm: connect ECONNREFUSED 127.0.0.1:${port}\n`);
    expect(existsSync(join(dir, 'pg-data'))).toBe(false);
  });

  test('--db in a directory that does not exist is an error, and the directory is not created', async () => {
    const db = join(dir, 'nonexistent', 'dir', 'x.db');
    const { code, err } = await run(['serve', '--db', db, '--port', '0']);
    expect(code).toBe(1);
    expect(err).toBe(`winmdm serve: --db ${db}: the directory ${join(dir, 'nonexistent', 'dir')} does not exist\n`);
    expect(existsSync(join(dir, 'nonexistent'))).toBe(false);
    expect((await run(['import', join(root.pathname, 'fixtures/demo/bundle.json'), '--db', db])).code).toBe(1);
    expect(existsSync(join(dir, 'nonexistent'))).toBe(false);
  });
});

describe('simulate against a server that refuses the device says why', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet();
  });
  afterAll(async () => {
    await fleet.close();
  });

  async function simulate(device: string, cert?: { cert: string; key: string }): Promise<{ code: number; err: string }> {
    const ca = join(dir, 'fleet-ca.crt');
    writeFileSync(ca, fleet.server.ca!.certPem);
    const args = ['simulate', '--url', fleet.server.mdmUrl, '--device', device, '--ca', ca];
    if (cert) {
      writeFileSync(join(dir, 'sim.crt'), cert.cert);
      writeFileSync(join(dir, 'sim.key'), cert.key);
      args.push('--cert', join(dir, 'sim.crt'), '--key', join(dir, 'sim.key'));
    }
    const { code, err } = await run(args);
    return { code, err };
  }

  test("no --ca: the server's certificate is not trusted, and --ca is what to pass", async () => {
    const { code, err } = await run(['simulate', '--url', fleet.server.mdmUrl, '--device', 'DEMO-LAPTOP-001']);
    expect(code).toBe(1);
    expect(err).toBe(
      `winmdm simulate: ERR_SIM_NETWORK: POST ${fleet.server.mdmUrl}?mode=Maintenance&Platform=WoA failed: self-signed certificate in certificate chain; ` +
        "the server's certificate is not trusted: pass the CA that signed it with --ca (serve's <data-dir>/tls/ca.crt)\n",
    );
  });

  test('no certificate', async () => {
    expect(await simulate('DEMO-LAPTOP-001')).toEqual({
      code: 1,
      err: 'winmdm simulate: the server refused the device (HTTP 401): the device presented no client certificate: pass --cert and --key (winmdm device-cert issue makes them)\n',
    });
  });

  test("a certificate of another CA", async () => {
    const rogue = LocalCa.open(mkdtempSync(join(tmpdir(), 'winmdm-rogue-'))).issue('client', 'DEMO-LAPTOP-001');
    expect(await simulate('DEMO-LAPTOP-001', { cert: rogue.certPem, key: rogue.keyPem })).toEqual({
      code: 1,
      err: "winmdm simulate: the server refused the device (HTTP 401): the client certificate is not signed by the server's CA: issue one from this server's data directory\n",
    });
  });

  test('a certificate of the CA that is registered to no device', async () => {
    const stray = fleet.server.ca!.issue('client', 'DEMO-LAPTOP-001');
    expect(await simulate('DEMO-LAPTOP-001', { cert: stray.certPem, key: stray.keyPem })).toEqual({
      code: 1,
      err: 'winmdm simulate: the server refused the device (HTTP 401): the certificate is not registered to any device the server knows (or the device is unknown): issue one for this device with winmdm device-cert issue\n',
    });
  });

  test("a SyncHdr Source that is not the certificate's device", async () => {
    const sim = await fleet.device('DEMO-LAPTOP-001');
    await sim.close();
    const certs = join(fleet.dir, 'devices');
    const cert = { cert: readFileSync(join(certs, 'DEMO-LAPTOP-001.crt'), 'utf8'), key: readFileSync(join(certs, 'DEMO-LAPTOP-001.key'), 'utf8') };
    expect(await simulate('DEMO-DESKTOP-002', cert)).toEqual({
      code: 1,
      err: "winmdm simulate: the server refused the device (HTTP 403): --device is not the device the certificate was issued to: use the certificate's own winId\n",
    });
    expect((await simulate('DEMO-LAPTOP-001', cert)).code).toBe(0);
  });
});

describe('bundles with mistakes: resolve and import report them the same way', () => {
  const bundle = (): Record<string, unknown> & { devices: Record<string, unknown>[]; policies: Record<string, unknown>[]; apiTokens: { permissions: string[] }[] } =>
    demo() as never;

  test('a misspelt field is a warning naming the key and the field it resembles; the bundle still resolves and imports', async () => {
    const b = bundle();
    const device = b.devices[2]!;
    device['winPolicyAssigments'] = [{ winPolicyId: 'pol-contoso-strict-passwords', priority: 1 }];
    device['vendorAssetTag'] = 'A-17';
    const file = writeJson('misspelt.json', b);
    const line = `${file}: warning: devices[2].winPolicyAssigments: unknown field "winPolicyAssigments" looks like a misspelling of "winPolicyAssignments": it is kept as it is, but nothing reads it (misspelt-field)\n`;
    const resolved = await run(['resolve', file, '--device', 'dev-contoso-003']);
    expect(resolved.code).toBe(0);
    expect(resolved.err).toBe(line);
    const imported = await run(['import', file, '--db', join(dir, 'misspelt.db')]);
    expect(imported.code).toBe(0);
    expect(imported.err).toBe(line);
  });

  test('an invalid LocURI and an unknown permission are errors: nothing is resolved, nothing imported', async () => {
    const b = bundle();
    (b.policies[0]!['config'] as Record<string, unknown>)['./Devic/Vendor/MSFT/Policy/Config/Camera/AllowCamera'] = 0;
    const index = b.apiTokens[0]!.permissions.push('mdm.windows.device.updat') - 1;
    const file = writeJson('errors.json', b);
    const lines = [
      `${file}: error: apiTokens[0].permissions[${index}]: "mdm.windows.device.updat" is not a permission of the API (did you mean "mdm.windows.device.update"?) (unknown-permission)`,
      `${file}: error: policies[0].config["./Devic/Vendor/MSFT/Policy/Config/Camera/AllowCamera"]: "./Devic/Vendor/MSFT/Policy/Config/Camera/AllowCamera" is not a valid OMA-URI: "Devic" is not a root of the management tree (did you mean "./Device/"?) (invalid-loc-uri)`,
    ];
    const resolved = await run(['resolve', file]);
    expect(resolved).toEqual({ code: 1, out: '', err: `${lines.join('\n')}\nwinmdm resolve: ${file} is not a valid bundle (2 errors)\n` });
    const db = join(dir, 'errors.db');
    const imported = await run(['import', file, '--db', db]);
    expect(imported.code).toBe(1);
    // import prints the same lines, codes included, and then refuses.
    expect(imported.err).toBe(`${lines.join('\n')}\nwinmdm import: ${file} is not a valid bundle; nothing was imported\n`);
    const store = SqliteStore.open(db);
    await store.migrate();
    expect(await store.transaction((tx) => tx.listDevices('org-contoso'))).toEqual([]);
    await store.close();
  });

  test('a schema error has the same path in resolve, explain and import', async () => {
    const b = bundle();
    b.devices[0]!['tags'] = 'sales';
    const file = writeJson('schema.json', b);
    const line = `${file}: error: devices[0].tags: Invalid input: expected array, received string\n`;
    for (const args of [['resolve', file], ['explain', file, '--device', 'dev-contoso-001'], ['import', file, '--db', join(dir, 'schema.db')]]) {
      const { code, err } = await run(args);
      expect(code).toBe(1);
      expect(err.split('\n')[0]).toBe(line.trimEnd());
    }
  });
});

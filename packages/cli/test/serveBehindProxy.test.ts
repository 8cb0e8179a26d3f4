import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { main } from '../src/main.js';
import { windowsFirstMessage } from '../../../test/support/fleet.js';
import { origin, serving } from './support/serving.js';

/**
 * `winmdm serve --no-tls --trusted-proxy <addr>`: behind a TLS-terminating proxy the listener is
 * plain HTTP, and the devices' certificates (issued by `device-cert issue` from the data
 * directory's CA, or at enrollment) arrive in the proxy's header and are verified by that CA.
 */
const dir = mkdtempSync(join(tmpdir(), 'winmdm-serve-proxy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bundle = new URL('../../../fixtures/demo/bundle.json', import.meta.url).pathname;

async function run(args: string[]): Promise<number> {
  return main(args, { out: () => undefined, err: () => undefined, env: { WINMDM_LOG_LEVEL: 'silent' }, cwd: dir });
}

test("a device certificate from the data directory's CA is believed in the proxy's header, and enrollment is served", async () => {
  const data = join(dir, 'data');
  expect(await run(['import', bundle, '--data-dir', data])).toBe(0);
  expect(await run(['device-cert', 'issue', '--device', 'DEMO-LAPTOP-003', '--out', join(dir, 'certs'), '--data-dir', data])).toBe(0);
  const certPem = readFileSync(join(dir, 'certs', 'DEMO-LAPTOP-003.crt'), 'utf8');

  const { out, result } = await serving(dir, ['--data-dir', data, '--trusted-proxy', '127.0.0.1'], async (o) => {
    const checkIn = await fetch(`${origin(o())}/ManagementServer/MDM.svc`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.syncml.dm+xml', 'x-client-cert': encodeURIComponent(certPem) },
      body: windowsFirstMessage('DEMO-LAPTOP-003'),
    });
    await checkIn.text();
    const discovery = await fetch(`${origin(o())}/EnrollmentServer/Discovery.svc`);
    return { checkIn: checkIn.status, refusal: checkIn.headers.get('winmdm-refusal'), discovery: discovery.status };
  });
  expect(result).toEqual({ checkIn: 200, refusal: null, discovery: 200 });
  expect(out).toContain(`  local CA:        ${join(data, 'tls', 'ca.crt')}\n`);
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cliArgs, freePort, root, runProcess, startServe, type ProcessResult, type ServeProcess } from '../support/cli.js';
import { P } from '../support/fleet.js';

/**
 * The README's five-minute tour, run as printed: `winmdm serve --demo` in a clean directory (what
 * `npm start` runs), then every command of the tour's shell block, each in its own shell and as its
 * own processes (real curl where the machine has it). The one change is the port: the test's server
 * listens on a free port instead of 8443. `npx winmdm` runs the CLI from its sources, as every test
 * does.
 */
interface Tour {
  /** The variable assignments before step 1. */
  preamble: string;
  /** Each numbered step's commands, continuation lines joined. */
  steps: Map<number, string[]>;
}

function readTour(): Tour {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A five-minute tour'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README.md has no shell block in its tour');
  const preamble: string[] = [];
  const steps = new Map<number, string[]>();
  let step: number | undefined;
  for (const line of block.replace(/\\\n\s*/g, '').split('\n')) {
    const numbered = /^# (\d+)\. /.exec(line);
    if (numbered) step = Number(numbered[1]);
    if (line.trim() === '' || line.startsWith('#')) continue;
    if (step === undefined) preamble.push(line);
    else steps.set(step, [...(steps.get(step) ?? []), line]);
  }
  return { preamble: preamble.join('\n'), steps };
}

const tour = readTour();
const hasCurl = spawnSync('curl', ['--version']).status === 0;
const curlFallback = fileURLToPath(new URL('../support/curlFallback.ts', import.meta.url));
const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
/** `npx winmdm` from the CLI's sources; `curl` itself, or its stand-in where there is none. */
const shims = [
  `npx() { if [ "$1" = winmdm ]; then shift; ${quote(process.execPath)} ${cliArgs([]).map(quote).join(' ')} "$@"; else echo "npx $1: not in the tour" >&2; return 127; fi; }`,
  ...(hasCurl ? [] : [`curl() { ${quote(process.execPath)} ${cliArgs([]).slice(0, 3).map(quote).join(' ')} ${quote(curlFallback)} "$@"; }`]),
].join('\n');

let dir: string;
let serve: ServeProcess;
let port: number;

/** Runs one of the tour's command lines in a fresh shell in the tour's directory, after the preamble. */
function sh(command: string): Promise<ProcessResult> {
  const script = `set -e\n${shims}\n${`${tour.preamble}\n${command}`.replaceAll('127.0.0.1:8443', `127.0.0.1:${port}`)}\n`;
  return runProcess('bash', ['-c', script], { cwd: dir });
}

/** The one command of a step whose first word is `word`. */
function command(step: number, word: string): string {
  const found = (tour.steps.get(step) ?? []).filter((line) => line.split(/\s+/)[0] === word);
  if (found.length !== 1) throw new Error(`README tour step ${step} has ${found.length} ${word} commands`);
  return found[0]!;
}

async function json(step: number, run: Promise<ProcessResult>): Promise<Record<string, unknown>> {
  const result = await run;
  expect(result.stderr, `step ${step}`).toBe('');
  expect(result.code, `step ${step}`).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

async function simulate(step: number): Promise<string> {
  const result = await sh(command(step, 'npx'));
  expect(result.stderr, `step ${step}`).toBe('');
  expect(result.code, `step ${step}`).toBe(0);
  return result.stdout;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'winmdm-tour-'));
  port = await freePort();
  serve = await startServe(['--demo', '--port', String(port)], { cwd: dir });
  // The demo import and the certificates come after the "serving" lines: wait for the last line.
  for (let i = 0; i < 300 && !serve.output().includes('npx winmdm simulate --enroll'); i++) await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await serve.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the tour has its nine steps with commands and talks to the port npm start uses', () => {
  expect([...tour.steps.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(tour.preamble).toContain('127.0.0.1:8443');
});

test('serve --demo prints where it listens, a demo token and the commands to try', async () => {
  const out = serve.output();
  const origin = `https://127.0.0.1:${port}`;
  expect(out).toContain(`device endpoint: ${origin}/ManagementServer/MDM.svc`);
  expect(out).toContain(`management API:  ${origin}/mdm/windows/devices/{id}`);
  expect(out).toContain('demo API token: demo-contoso-admin-token');
  // The printed curl and simulate commands run as they are.
  const curl = /^ {2}(curl .+)$/m.exec(out)?.[1] ?? '';
  const doc = await json(0, sh(curl));
  expect(doc).toMatchObject({ status: true, data: { id: 'dev-contoso-003' } });
  const simulateLine = /^ {2}(npx winmdm simulate .+)$/m.exec(out)?.[1] ?? '';
  expect(simulateLine).toMatch(/--device DEMO-LAPTOP-001 --cert \S+ --key \S+ --ca \S+$/);
  const session = await sh(simulateLine);
  expect(session.stderr).toBe('');
  expect(session.code).toBe(0);
  expect(session.stdout).toMatch(/^Session \d+: \d+ device messages, ended server-done$/m);
  expect(session.stdout).toContain('Replace');

  // The printed enrollment command enrolls a new device and checks in with it.
  expect(out).toMatch(/^demo enrollment token \(alice@contoso\.example, valid 7 days\): wmet_\S+$/m);
  const enrollLine = /^ {2}(npx winmdm simulate --enroll .+)$/m.exec(out)?.[1] ?? '';
  expect(enrollLine).toMatch(new RegExp(`^npx winmdm simulate --enroll --url ${escape(origin)} --email alice@contoso\\.example --token wmet_\\S+ --ca \\S+$`));
  const enrolled = await sh(enrollLine);
  expect(enrolled.stderr).toBe('');
  expect(enrolled.code).toBe(0);
  expect(enrolled.stdout).toMatch(/^enrolled device [0-9A-F]{32}$/m);
  expect(enrolled.stdout).toMatch(/^Session \d+: \d+ device messages?, ended server-done$/m);
});

test('the tour, step by step, as the README prints it', async () => {
  // 1. The device document, with the effective policy.
  const first = await json(1, sh(command(1, 'curl')));
  expect(first).toMatchObject({ status: true, data: { id: 'dev-contoso-003', deviceWinPolicy: { config: { [`${P}DeviceLock/MinDevicePasswordLength`]: 8 } } } });

  // 2. The first check-in receives the effective policy.
  const checkIn = await simulate(2);
  expect(checkIn).toContain(`Replace (CmdID `);
  expect(checkIn).toMatch(new RegExp(`Replace \\(CmdID \\d+\\) ${escape(`${P}DeviceLock/MinDevicePasswordLength`)} = 8$`, 'm'));

  // 3. The assignment.
  const patch = command(3, 'curl');
  expect(await json(3, sh(patch))).toMatchObject({ status: true, data: { winPolicyAssignments: [{ winPolicyId: 'pol-contoso-strict-passwords', priority: 1 }] } });

  // 4. Exactly the two settings the assignment changes arrive...
  const second = await simulate(4);
  expect(second).toMatch(/^Commands received: Replace 2$/m);
  expect(replaced(second)).toEqual([`${P}DeviceLock/DevicePasswordExpiration = 90`, `${P}DeviceLock/MinDevicePasswordLength = 12`]);
  // ... and PATCHing `[]` then checking in sends one Replace back to 8 and one Delete.
  const emptied = patch.replace(/"winPolicyAssignments":\[[^\]]*\]/, '"winPolicyAssignments":[]');
  expect(emptied).not.toBe(patch);
  expect(await json(4, sh(emptied))).toMatchObject({ status: true, data: { winPolicyAssignments: [] } });
  const third = await simulate(4);
  expect(third).toMatch(/^Commands received: Delete 1, Replace 1$/m);
  expect(replaced(third)).toEqual([`${P}DeviceLock/MinDevicePasswordLength = 8`]);
  expect(third).toMatch(new RegExp(`Delete \\(CmdID \\d+\\) ${escape(`${P}DeviceLock/DevicePasswordExpiration`)}$`, 'm'));

  // 5. What the device acknowledged and reported.
  const last = (await json(5, sh(command(5, 'curl'))))['data'] as { configStatus: Record<string, unknown>; summary: Record<string, unknown> };
  expect(last.configStatus[`${P}DeviceLock/MinDevicePasswordLength`]).toMatchObject({ status: 'applied', value: '8' });
  expect(last.configStatus).not.toHaveProperty(`${P}DeviceLock/DevicePasswordExpiration`);
  expect(last.summary).toMatchObject({ os: 'Windows' });

  // 6. Why: the table, from the running server's store (the assignment is gone again here).
  const why = await sh(command(6, 'npx'));
  expect(why.stderr, 'step 6').toBe('');
  expect(why.code, 'step 6').toBe(0);
  expect(why.stdout).toMatch(/^DeviceLock\/MinDevicePasswordLength +8 +base "Corporate Security Baseline" +- +applied 200$/m);
  expect(why.stdout).toMatch(/^status: \d+ applied$/m);

  // 7. A new PC enrolls from zero and checks in with its own certificate.
  const enrolled = await simulate(7);
  expect(enrolled).toMatch(/^enrolled device TOURPC00000000000000000000000001$/m);
  expect(enrolled).toMatch(/^ {2}certificate: data\/enrolled\/TOURPC00000000000000000000000001\.crt$/m);
  expect(enrolled).toMatch(/^Session \d+: \d+ device messages?, ended server-done$/m);

  // 8. Its document.
  const found = (await json(8, sh(command(8, 'curl'))))['data'] as Record<string, unknown>[];
  expect(found).toHaveLength(1);
  expect(found[0]).toMatchObject({ winId: 'TOURPC00000000000000000000000001', state: 'ACTIVE', mdmUser: { email: 'alice@contoso.example' }, summary: { os: 'Windows' } });

  // 9. Renewal, then a check-in with the new certificate.
  const before = readFileSync(join(dir, 'data', 'enrolled', 'TOURPC00000000000000000000000001.crt'), 'utf8');
  const renewed = await simulate(9);
  expect(renewed).toMatch(/^renewed the certificate of TOURPC00000000000000000000000001 at https:\/\/127\.0\.0\.1:\d+\/EnrollmentServer\/Enrollment\.svc$/m);
  expect(renewed).toMatch(/^Session \d+: \d+ device messages?, ended server-done$/m);
  expect(readFileSync(join(dir, 'data', 'enrolled', 'TOURPC00000000000000000000000001.crt'), 'utf8')).not.toBe(before);
}, 120_000); // nine steps, each its own processes: more than the default 30 s on a loaded 2-core machine

test('the console the tour points at is served, on the same port', async () => {
  const page = await sh(`curl -s $TLS https://127.0.0.1:8443/console/`);
  expect(page.code).toBe(0);
  expect(page.stdout).toContain('<title>winmdm console</title>');
  expect(serve.output()).toContain(`web console:     https://127.0.0.1:${port}/console/`);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The Replace lines of a printed session, as `LocURI = value`, sorted. */
function replaced(output: string): string[] {
  return [...output.matchAll(/^ {4}Replace \(CmdID \d+\) (.+)$/gm)].map((m) => m[1] ?? '').sort();
}

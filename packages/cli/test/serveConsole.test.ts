import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import type { Io } from '../src/Io.js';
import { serveCommand } from '../src/commands/serveCommand.js';

const dir = mkdtempSync(join(tmpdir(), 'winmdm-serve-console-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `winmdm serve` in this process until `use` is done; resolves to what it printed and `use`'s result. */
async function serving<T>(args: string[], use: (out: () => string) => Promise<T>): Promise<{ out: string; result: T }> {
  let out = '';
  const io: Io = { out: (t) => void (out += t), err: () => undefined, env: { WINMDM_LOG_LEVEL: 'silent' }, cwd: dir };
  const stop = new AbortController();
  const done = serveCommand(['--no-tls', '--port', '0', '--data-dir', join(dir, `data-${args.length}`), ...args], io, stop.signal);
  for (let i = 0; i < 200 && !out.includes('device endpoint:'); i++) await new Promise((r) => setTimeout(r, 25));
  try {
    return { out, result: await use(() => out) };
  } finally {
    stop.abort();
    await done;
  }
}

function origin(out: string): string {
  return /device endpoint: (http:\/\/[^/]+)/.exec(out)?.[1] ?? '';
}

test('serve answers the console at /console/ on its own port, and says where', async () => {
  const { out, result } = await serving([], async (o) => (await fetch(`${origin(o())}/console/`)).status);
  expect(result).toBe(200);
  expect(out).toContain(`  web console:     ${origin(out)}/console/\n`);
});

test('--no-console turns it off', async () => {
  const { out, result } = await serving(['--no-console'], async (o) => (await fetch(`${origin(o())}/console/`)).status);
  expect(result).toBe(404);
  expect(out).not.toContain('web console');
});

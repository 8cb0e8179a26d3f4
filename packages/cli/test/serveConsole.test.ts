import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { origin, serving } from './support/serving.js';

const dir = mkdtempSync(join(tmpdir(), 'winmdm-serve-console-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('serve answers the console at /console/ on its own port, and says where', async () => {
  const { out, result } = await serving(dir, ['--data-dir', join(dir, 'data-0')], async (o) => (await fetch(`${origin(o())}/console/`)).status);
  expect(result).toBe(200);
  expect(out).toContain(`  web console:     ${origin(out)}/console/\n`);
});

test('--no-console turns it off', async () => {
  const { out, result } = await serving(dir, ['--data-dir', join(dir, 'data-1'), '--no-console'], async (o) => (await fetch(`${origin(o())}/console/`)).status);
  expect(result).toBe(404);
  expect(out).not.toContain('web console');
});

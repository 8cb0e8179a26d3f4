import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pino } from 'pino';
import { SqliteStore, startWinmdmServer, type WinmdmServer } from '@winmdm/server';
import { consoleDirectory, consoleRoutes } from '../src/index.js';

let server: WinmdmServer;
let store: SqliteStore;
beforeAll(async () => {
  store = SqliteStore.open(':memory:');
  server = await startWinmdmServer({ store, logger: pino({ level: 'silent' }), port: 0, tls: false, routes: consoleRoutes() });
});
afterAll(async () => {
  await server.close();
  await store.close();
});

test('serves the page and its modules as they are, with a policy that allows only this origin', async () => {
  const page = await fetch(`${server.origin}/console/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(page.headers.get('content-security-policy')).toContain("default-src 'none'; script-src 'self'");
  expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  const html = await page.text();
  expect(html).toBe(readFileSync(`${consoleDirectory}index.html`, 'utf8'));
  // Everything the page loads is relative to /console/: no CDN, no other origin.
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  const app = await fetch(`${server.origin}/console/app.js`);
  expect(app.status).toBe(200);
  expect(app.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(await app.text()).toBe(readFileSync(`${consoleDirectory}app.js`, 'utf8'));
  expect((await fetch(`${server.origin}/console/console.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
});

test('an unchanged file revalidates to 304; /console redirects; anything else is 404', async () => {
  const first = await fetch(`${server.origin}/console/deviceView.js`);
  await first.arrayBuffer();
  const etag = first.headers.get('etag') ?? '';
  expect(first.headers.get('cache-control')).toBe('no-cache');
  const again = await fetch(`${server.origin}/console/deviceView.js`, { headers: { 'if-none-match': etag } });
  expect(again.status).toBe(304);
  expect(await again.text()).toBe('');
  const bare = await fetch(`${server.origin}/console`, { redirect: 'manual' });
  expect(bare.status).toBe(308);
  expect(bare.headers.get('location')).toBe('/console/');
  for (const path of ['/console/nope.js', '/console/..%2Fpackage.json', '/console/%2E%2E%2Fsrc%2Findex.ts']) {
    const missing = await fetch(`${server.origin}${path}`);
    expect(missing.status, path).toBe(404);
    expect(await missing.text()).toBe('not found\n');
  }
});

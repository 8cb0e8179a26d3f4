import type { Io } from '../../src/Io.js';
import { serveCommand } from '../../src/commands/serveCommand.js';

/**
 * Runs `winmdm serve --no-tls --port 0 <args>` in this process until `use` is done; resolves to
 * what it printed and `use`'s result. `cwd` is where relative paths resolve.
 */
export async function serving<T>(cwd: string, args: string[], use: (out: () => string) => Promise<T>): Promise<{ out: string; result: T }> {
  let out = '';
  const io: Io = { out: (t) => void (out += t), err: () => undefined, env: { WINMDM_LOG_LEVEL: 'silent' }, cwd };
  const stop = new AbortController();
  const done = serveCommand(['--no-tls', '--port', '0', ...args], io, stop.signal);
  for (let i = 0; i < 200 && !out.includes('device endpoint:'); i++) await new Promise((r) => setTimeout(r, 25));
  try {
    return { out, result: await use(() => out) };
  } finally {
    stop.abort();
    await done;
  }
}

/** The `http://host:port` serve printed. */
export function origin(out: string): string {
  return /device endpoint: (http:\/\/[^/]+)/.exec(out)?.[1] ?? '';
}

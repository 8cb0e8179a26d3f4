/**
 * The load generator of the check-in benchmarks: `concurrency` devices (LeanDevice, which answers
 * like the simulator at a fraction of its cost) running OMA-DM sessions back to back until a
 * deadline, each session timed from its first request to its last answer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request, type Dispatcher } from 'undici';
import { quantile } from '../harness.js';

/** What drives a session: a LeanDevice or a DeviceSimulator. */
export interface SessionClient {
  runSession(): Promise<unknown>;
  close(): Promise<void>;
}

export interface DriveResult {
  sessions: number;
  /** Every session that completed, warm-up included (what the server's CPU time covers). */
  completed: number;
  seconds: number;
  /** Session latencies in milliseconds. */
  latencies: number[];
  errors: number;
  firstError?: string;
}

/**
 * Runs sessions with `concurrency` workers for `durationMs` (after `warmupMs` whose sessions are
 * not counted). `device(worker)` gives the device for a worker's next session, or undefined
 * when there is none left (a pool of fresh devices ran out); `done(sim)` is called after each.
 */
export async function drive(options: {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  device(worker: number): SessionClient | undefined;
  done?(client: SessionClient): Promise<void>;
}): Promise<DriveResult> {
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const deadline = measureFrom + options.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let lastEnd = measureFrom;
  let completed = 0;
  const worker = async (w: number): Promise<void> => {
    while (performance.now() < deadline) {
      const sim = options.device(w);
      if (!sim) return;
      const t0 = performance.now();
      try {
        await sim.runSession();
        const t1 = performance.now();
        completed++;
        // Throughput counts the sessions that complete inside the window, whenever they started.
        if (t1 >= measureFrom && t1 <= deadline) {
          latencies.push(t1 - t0);
          lastEnd = Math.max(lastEnd, t1);
        }
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error);
      } finally {
        await options.done?.(sim);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  const end = Math.min(deadline, Math.max(lastEnd, measureFrom + 1));
  return {
    sessions: latencies.length,
    completed,
    seconds: (end - measureFrom) / 1000,
    latencies,
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

export function percentiles(latencies: readonly number[]): { p50: number; p99: number } {
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

/**
 * Records the answers a server gives to one session: a pass-through proxy in front of `target`
 * that keeps each response body. Used to capture the real server's bytes for the raw baseline.
 */
export async function recordingProxy(target: string, dispatcher?: Dispatcher): Promise<{ url: string; answers: string[]; close(): Promise<void> }> {
  const answers: string[] = [];
  const targetUrl = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void request(`${targetUrl.origin}${req.url ?? '/'}`, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: Buffer.concat(chunks),
        ...(dispatcher ? { dispatcher } : {}),
      }).then(async (r) => {
        const text = await r.body.text();
        answers.push(text);
        res.writeHead(r.statusCode, { 'content-type': String(r.headers['content-type']) });
        res.end(text);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${targetUrl.pathname}`,
    answers,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

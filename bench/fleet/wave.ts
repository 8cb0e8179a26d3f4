/**
 * A wave of check-ins: every device of a fleet runs one session, `concurrency` at a time, as after a
 * fleet-wide policy change or when a fleet enrolls. Devices are LeanDevices (the simulator's
 * answers at a fraction of its cost) made per wave, so that a wave's sessions have SessionID
 * `wave` and move between replicas from one wave to the next.
 */
import type { Dispatcher } from 'undici';
import { LeanDevice } from '@winmdm/device-sim';
import { quantile } from '../harness.js';

export interface WaveResult {
  sessions: number;
  /** From the first session's start to the last one's end. */
  seconds: number;
  /** Session latencies, ms. */
  latencies: number[];
  /** Server commands received over all sessions (Status and Results not counted). */
  commands: number;
  errors: number;
  firstError?: string;
  /** The load generator's CPU time per session (this process), µs. */
  clientCpuPerSession: number;
}

export async function wave(options: {
  winIds: readonly string[];
  /** The replicas' URLs; device i of wave w goes to `urls[(i + w) % urls.length]`. */
  urls: readonly string[];
  wave: number;
  concurrency: number;
  dispatcher: Dispatcher;
}): Promise<WaveResult> {
  const { winIds, urls } = options;
  const latencies: number[] = [];
  let next = 0;
  let commands = 0;
  let errors = 0;
  let firstError: string | undefined;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < winIds.length; i = next++) {
      const device = new LeanDevice({
        url: urls[(i + options.wave) % urls.length] as string,
        winId: winIds[i] as string,
        dispatcher: options.dispatcher,
        firstSessionId: options.wave,
      });
      const t0 = performance.now();
      try {
        const session = await device.runSession();
        commands += session.commands;
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    sessions: latencies.length,
    seconds,
    latencies,
    commands,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    clientCpuPerSession: (used.user + used.system) / Math.max(1, winIds.length),
  };
}

export function p50p99(latencies: readonly number[]): { p50: number; p99: number } {
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

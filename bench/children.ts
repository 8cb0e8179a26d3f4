/**
 * The benchmarks' child processes: servers run in children so that their CPU time and memory are
 * their own. Shared by the check-in and fleet benchmarks.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const tsx = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/** WINMDM_BENCH_PROFILE=<dir> writes a CPU profile of each server process (node --cpu-prof) there. */
export const profileDir = process.env['WINMDM_BENCH_PROFILE'];

/**
 * Forks `script` (a path relative to bench/) with `env` added, and resolves with the process and
 * its first IPC message (its `ready`).
 */
export function child<M>(script: string, env: Record<string, string>, profile = false): Promise<{ process: ChildProcess; ready: M }> {
  const proc = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    execArgv: ['--conditions=@winmdm/source', '--import', tsx, ...(profile && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve({ process: proc, ready: m as M }));
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/** Sends `message` and resolves with the child's next IPC message (one question at a time per child). */
export function ask<M>(proc: ChildProcess, message: object): Promise<M> {
  return new Promise((resolve) => {
    proc.once('message', (m) => resolve(m as M));
    proc.send(message);
  });
}

/** Resolves when the child has exited. */
export function exited(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve())));
}

export async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** The CLI's entry, run from the TypeScript sources (no build needed), as tests must. */
const entry = fileURLToPath(new URL('../../packages/cli/src/run.ts', import.meta.url));
/** tsx by URL, so that the CLI can run from any working directory (the tour starts in an empty one). */
const tsx = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/** Arguments for `node` that run the winmdm CLI from source. */
export function cliArgs(args: readonly string[]): string[] {
  return ['--conditions=@winmdm/source', '--import', tsx, entry, ...args];
}

/** What a finished process gave: its exit code and output. */
export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion; resolves to its exit code and output. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<ProcessResult> {
  return runProcess(process.execPath, cliArgs(args), options);
}

/** Runs a program to completion (no stdin); resolves to its exit code and output. */
export function runProcess(
  program: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd ?? root,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A `winmdm serve` child process, started and ready. */
export interface ServeProcess {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the exit code and signal when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/**
 * Starts `winmdm serve` with the given arguments and waits until it prints that it is serving.
 * `port 0` is not usable here (the test must know the port): pass a free port.
 */
export async function startServe(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ServeProcess> {
  const child = spawn(process.execPath, cliArgs(['serve', ...args]), {
    cwd: options.cwd ?? root,
    env: { ...process.env, WINMDM_LOG_LEVEL: process.env['WINMDM_TEST_LOG'] ?? 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`winmdm serve did not start in time:\n${out}`)), options.timeoutMs ?? 30_000);
    const check = (): void => {
      // The last line of the start-up banner (the demo's token and commands may follow).
      if (out.includes('operations:')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`winmdm serve exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  });
  return {
    child,
    output: () => out,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

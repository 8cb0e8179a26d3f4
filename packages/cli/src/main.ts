import { readFileSync } from 'node:fs';
import { nearestName } from '@winmdm/policy';
import { CliError } from './CliError.js';
import { commandHelp, envLines, flagLines, synopsis, wantsHelp, type CommandSpec } from './CommandSpec.js';
import { processIo, type Io } from './Io.js';
import { oneLine } from './oneLine.js';
import { deviceCertCommand, deviceCertSpec } from './commands/deviceCertCommand.js';
import { enrollmentTokenCommand, enrollmentTokenSpec } from './commands/enrollmentTokenCommand.js';
import { explainCommand, explainSpec } from './commands/explainCommand.js';
import { importCommand, importSpec } from './commands/importCommand.js';
import { openapiCommand, openapiSpec } from './commands/openapiCommand.js';
import { resolveCommand, resolveSpec } from './commands/resolveCommand.js';
import { serveCommand, serveSpec } from './commands/serveCommand.js';
import { simulateCommand, simulateSpec } from './commands/simulateCommand.js';

const commands: Record<string, { run(argv: string[], io: Io): Promise<number>; spec: CommandSpec }> = {
  serve: { run: serveCommand, spec: serveSpec },
  resolve: { run: resolveCommand, spec: resolveSpec },
  explain: { run: explainCommand, spec: explainSpec },
  import: { run: importCommand, spec: importSpec },
  simulate: { run: simulateCommand, spec: simulateSpec },
  'device-cert': { run: deviceCertCommand, spec: deviceCertSpec },
  openapi: { run: openapiCommand, spec: openapiSpec },
  'enrollment-token': { run: enrollmentTokenCommand, spec: enrollmentTokenSpec },
};

/** The version of the `winmdm` command (its package's). */
export function version(): string {
  // src/main.ts and dist/main.js both sit one level below the package.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The help of the whole command: what it is, every command with its flags (and the environment
 * variable of each), and the environment variables no flag stands for.
 */
export function usage(): string {
  const specs = Object.values(commands).map((c) => c.spec);
  const width = Math.max(...specs.map((s) => s.name.length));
  const env: Record<string, string> = {};
  for (const spec of specs) Object.assign(env, spec.env ?? {});
  return [
    'winmdm — Windows device management: resolve policy, compile SyncML, serve devices',
    '',
    'usage: winmdm <command> [flags]    winmdm <command> --help    winmdm --version',
    '',
    'commands:',
    ...specs.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`),
    ...specs.flatMap((s) => ['', synopsis(s), ...flagLines(s)]),
    '',
    'environment (besides the variable of each flag, in brackets):',
    ...envLines(env),
    '',
  ].join('\n');
}

/** Errors of the machine (a port taken, a file missing, a host unreachable) are not bugs: one line, no stack. */
function isSystemError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

/**
 * Runs the `winmdm` command with the given arguments and returns the exit code: 0 on success, 1
 * on bad input or a runtime failure, 2 on a usage error. Errors are printed as one line on stderr.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined && commands[topic]) {
      io.out(commandHelp(commands[topic].spec));
      return 0;
    }
    if (name === undefined) {
      io.err(usage());
      return 2;
    }
    io.out(usage());
    return 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out(`winmdm ${version()}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    const near = nearestName(name, Object.keys(commands));
    io.err(`winmdm: unknown command ${JSON.stringify(name)}${near === undefined ? '' : ` (did you mean ${near}?)`}; see winmdm --help\n`);
    return 2;
  }
  if (wantsHelp(rest)) {
    io.out(commandHelp(command.spec));
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`winmdm ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    if (isSystemError(error)) {
      io.err(`winmdm ${name}: ${oneLine(error)}\n`);
      return 1;
    }
    throw error;
  }
}

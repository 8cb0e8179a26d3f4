import { CliError } from './CliError.js';
import { processIo, type Io } from './Io.js';
import { deviceCertCommand, deviceCertUsage } from './commands/deviceCertCommand.js';
import { explainCommand, explainUsage } from './commands/explainCommand.js';
import { importCommand, importUsage } from './commands/importCommand.js';
import { resolveCommand, resolveUsage } from './commands/resolveCommand.js';
import { serveCommand, serveUsage } from './commands/serveCommand.js';
import { simulateCommand, simulateUsage } from './commands/simulateCommand.js';

const commands: Record<string, { run(argv: string[], io: Io): Promise<number>; usage: string }> = {
  serve: { run: serveCommand, usage: serveUsage },
  resolve: { run: resolveCommand, usage: resolveUsage },
  explain: { run: explainCommand, usage: explainUsage },
  import: { run: importCommand, usage: importUsage },
  simulate: { run: simulateCommand, usage: simulateUsage },
  'device-cert': { run: deviceCertCommand, usage: deviceCertUsage },
};

/** The usage text of the whole command. */
export function usage(): string {
  return `winmdm — Windows device management: resolve policy, compile SyncML, serve devices\n\n${Object.values(commands)
    .map((c) => `  ${c.usage}`)
    .join('\n')}\n`;
}

/**
 * Runs the `winmdm` command with the given arguments and returns the exit code: 0 on success, 1
 * on bad input or a runtime failure, 2 on a usage error. Errors are printed as one line on stderr.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    io.err(`winmdm: unknown command ${JSON.stringify(name)}\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`winmdm ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`winmdm ${name}: ${error.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    throw error;
  }
}

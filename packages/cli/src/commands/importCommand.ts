import { parseArgs } from 'node:util';
import { importBundle, ImportInvalidError } from '@winmdm/server';
import { CliError } from '../CliError.js';
import type { Io } from '../Io.js';
import { openStore } from '../openStore.js';
import { readJsonFile } from '../readJsonFile.js';

export const importUsage = 'winmdm import <bundle.json> [--db <path> | --pg <url>] [--data-dir <dir>]';

/** `winmdm import`: loads a bundle into the store, idempotently; invalid input names the field path and changes nothing. */
export async function importCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { db: { type: 'string' }, pg: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new CliError('ERR_CLI_USAGE', `usage: ${importUsage}`);
  const bundle = readJsonFile(file, io);
  const { store, description } = await openStore(values, io);
  try {
    const summary = await importBundle(store, bundle);
    io.out(`imported ${file} into ${description}\n`);
    for (const [what, n] of Object.entries(summary)) io.out(`  ${what}: ${n}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ImportInvalidError) {
      for (const issue of error.issues) io.err(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}\n`);
      throw new CliError('ERR_CLI_INPUT', `${file} is not a valid bundle; nothing was imported`, { cause: error });
    }
    throw error;
  } finally {
    await store.close();
  }
}

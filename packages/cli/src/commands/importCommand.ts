import { checkImportBundle, importBundle, ImportInvalidError } from '@winmdm/server';
import { CliError } from '../CliError.js';
import { parseCommand, type CommandSpec } from '../CommandSpec.js';
import type { Io } from '../Io.js';
import { openStore, storeFlags } from '../openStore.js';
import { printIssues } from '../printIssues.js';
import { readJsonFile } from '../readJsonFile.js';

/** `winmdm import`: its flags and help. */
export const importSpec = {
  name: 'import',
  args: '<bundle.json>',
  summary: 'Load a bundle into the store, idempotently; an invalid bundle names the field path and changes nothing.',
  flags: { ...storeFlags },
  env: { WINMDM_PG_SCHEMA: "the PostgreSQL schema of winmdm's tables (default public)" },
  notes: ['Warnings (a misspelt field, a policy assigned twice) are printed and the bundle is imported; errors refuse it.'],
} as const satisfies CommandSpec;

/** `winmdm import`: loads a bundle into the store, idempotently; invalid input names the field path and changes nothing. */
export async function importCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(importSpec, argv);
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new CliError('ERR_CLI_USAGE', 'import reads one bundle: winmdm import <bundle.json>; see winmdm import --help');
  const bundle = readJsonFile(file, io);
  // The errors come back from importBundle with the schema's; the warnings are only ours to show.
  const checked = checkImportBundle(bundle);
  printIssues(io, file, checked.filter((i) => i.severity === 'warning'));
  const { store, description } = await openStore(values, io);
  try {
    const summary = await importBundle(store, bundle);
    io.out(`imported ${file} into ${description}\n`);
    for (const [what, n] of Object.entries(summary)) io.out(`  ${what}: ${n}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ImportInvalidError) {
      // Our checks' errors are printed with their code, as resolve and explain print them; the schema's without.
      const ours = new Map(checked.map((i) => [JSON.stringify([i.path, i.message]), i.code]));
      printIssues(
        io,
        file,
        error.issues.map((i) => {
          const code = ours.get(JSON.stringify([i.path, i.message]));
          return { severity: 'error', path: i.path, message: i.message, ...(code !== undefined ? { code } : {}) };
        }),
      );
      throw new CliError('ERR_CLI_INPUT', `${file} is not a valid bundle; nothing was imported`, { cause: error });
    }
    throw error;
  } finally {
    await store.close();
  }
}

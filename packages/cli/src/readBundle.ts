import { BundleSchema, type Bundle } from '@winmdm/policy';
import { checkImportBundle } from '@winmdm/server';
import { CliError } from './CliError.js';
import type { Io } from './Io.js';
import { printIssues } from './printIssues.js';
import { readJsonFile } from './readJsonFile.js';

/**
 * Reads a bundle for the commands that resolve offline (`resolve`, `explain`): validates it with
 * `BundleSchema` and checks it as `import` would, prints every problem on stderr (warnings do not
 * stop the command) and refuses it when any is an error.
 *
 * @throws {CliError} `ERR_CLI_INPUT` when the file cannot be read, is not JSON, or has errors.
 */
export function readBundle(file: string, io: Io): Bundle {
  const raw = readJsonFile(file, io);
  const parsed = BundleSchema.safeParse(raw);
  const checked = checkImportBundle(raw);
  const schemaErrors = parsed.success ? [] : parsed.error.issues.map((i) => ({ severity: 'error' as const, path: i.path, message: i.message }));
  printIssues(io, file, [...schemaErrors, ...checked]);
  const errors = schemaErrors.length + checked.filter((i) => i.severity === 'error').length;
  if (!parsed.success || errors > 0) throw new CliError('ERR_CLI_INPUT', `${file} is not a valid bundle (${errors} error${errors === 1 ? '' : 's'})`);
  return parsed.data;
}

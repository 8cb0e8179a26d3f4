import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from './CliError.js';
import type { Io } from './Io.js';

/** Reads and parses a JSON file, with errors that say which file and why. */
export function readJsonFile(path: string, io: Io): unknown {
  const full = resolve(io.cwd, path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    throw new CliError('ERR_CLI_INPUT', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError('ERR_CLI_INPUT', `${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

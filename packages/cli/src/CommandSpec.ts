import { parseArgs } from 'node:util';
import { nearestName } from '@winmdm/policy';
import { CliError } from './CliError.js';

/** One flag of a command: how it parses, and what its help says. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** The value's placeholder in the help (`<path>`, `8443`). */
  value?: string;
  /** May be given more than once (the values are collected). */
  multiple?: boolean;
  /** The environment variable that stands in for the flag. */
  env?: string;
  description: string;
}

/**
 * A command as its help describes it and its parser reads it: one declaration, so the help can
 * never list a flag the parser does not know, or miss one it does.
 */
export interface CommandSpec<F extends Record<string, FlagSpec> = Record<string, FlagSpec>> {
  name: string;
  /** One line for the list of commands. */
  summary: string;
  /** The positional part of the synopsis (`<bundle.json>`, `issue`). */
  args?: string;
  flags: F;
  /** Environment variables the command reads that no flag stands for, with their meaning. */
  env?: Readonly<Record<string, string>>;
  /** Lines printed after the flags. */
  notes?: readonly string[];
}

/** The parsed flags of a {@link CommandSpec}. */
export type FlagValues<F extends Record<string, FlagSpec>> = {
  [K in keyof F]?: F[K] extends { type: 'boolean' } ? boolean : F[K] extends { multiple: true } ? string[] : string;
};

/** Whether the arguments ask for help (`--help` or `-h` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/**
 * Parses a command's arguments against its spec. Every mistake is a usage error (exit 2) in one
 * sentence that names the flag: an unknown flag (with the one it resembles), a flag without its
 * value, a value given to a switch.
 *
 * @throws {CliError} `ERR_CLI_USAGE`.
 */
export function parseCommand<F extends Record<string, FlagSpec>>(
  spec: CommandSpec<F>,
  argv: readonly string[],
): { values: FlagValues<F>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, flag] of Object.entries(spec.flags)) options[name] = { type: flag.type, ...(flag.multiple ? { multiple: true } : {}) };
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  const see = `see winmdm ${spec.name} --help`;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    const flag = spec.flags[token.name];
    if (flag === undefined) {
      const near = nearestName(token.name, Object.keys(spec.flags));
      throw new CliError('ERR_CLI_USAGE', `unknown flag ${token.rawName}${near === undefined ? '' : ` (did you mean --${near}?)`}; ${see}`);
    }
    if (flag.type === 'boolean') {
      if (token.value !== undefined) throw new CliError('ERR_CLI_USAGE', `--${token.name} takes no value; ${see}`);
      values[token.name] = true;
      continue;
    }
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.startsWith('-') && value !== '-')) {
      throw new CliError('ERR_CLI_USAGE', `--${token.name} needs a value (${flag.value ?? '<value>'}); ${see}`);
    }
    if (flag.multiple) values[token.name] = [...((values[token.name] as string[] | undefined) ?? []), value];
    else values[token.name] = value;
  }
  return { values: values as FlagValues<F>, positionals };
}

/** `winmdm <name> <args> [flags]`: the synopsis line of a command. */
export function synopsis(spec: CommandSpec): string {
  return `winmdm ${spec.name}${spec.args === undefined ? '' : ` ${spec.args}`}${Object.keys(spec.flags).length > 0 ? ' [flags]' : ''}`;
}

function flagLabel(name: string, flag: FlagSpec): string {
  return flag.type === 'boolean' ? `--${name}` : `--${name} ${flag.value ?? '<value>'}`;
}

/** One line per flag (two when its label is long): label, description, `[ENV_VAR]`. */
export function flagLines(spec: CommandSpec): string[] {
  const flags = Object.entries(spec.flags);
  if (flags.length === 0) return [];
  const labels = flags.map(([name, flag]) => flagLabel(name, flag));
  const width = Math.min(34, Math.max(...labels.map((l) => l.length)));
  return flags.map(([, flag], i) => {
    const label = labels[i] ?? '';
    const text = `${flag.description}${flag.env === undefined ? '' : ` [${flag.env}]`}`;
    return label.length > width ? `  ${label}\n  ${' '.repeat(width)}  ${text}` : `  ${label.padEnd(width)}  ${text}`;
  });
}

/** One line per environment variable: name and meaning, aligned. */
export function envLines(env: Readonly<Record<string, string>>): string[] {
  const entries = Object.entries(env);
  const width = Math.max(0, ...entries.map(([name]) => name.length));
  return entries.map(([name, text]) => `  ${name.padEnd(width)}  ${text}`);
}

/**
 * A command's help: synopsis, summary, every flag with its environment variable, the other
 * environment variables it reads, notes.
 */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`usage: ${synopsis(spec)}`, '', spec.summary];
  const flags = flagLines(spec);
  if (flags.length > 0) lines.push('', 'flags (environment variable in brackets):', ...flags);
  const env = envLines(spec.env ?? {});
  if (env.length > 0) lines.push('', 'environment:', ...env);
  if (spec.notes && spec.notes.length > 0) lines.push('', ...spec.notes);
  return `${lines.join('\n')}\n`;
}

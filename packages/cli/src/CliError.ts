/** Failure codes of the `winmdm` command. */
export type CliErrorCode = 'ERR_CLI_USAGE' | 'ERR_CLI_INPUT' | 'ERR_CLI_RUNTIME';

/** An error the CLI reports as one line on stderr with a non-zero exit code (2 for usage, 1 otherwise). */
export class CliError extends Error {
  readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'CliError';
  }
  get exitCode(): number {
    return this.code === 'ERR_CLI_USAGE' ? 2 : 1;
  }
}

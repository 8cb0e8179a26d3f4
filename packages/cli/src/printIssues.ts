import { formatIssuePath } from '@winmdm/policy';
import type { Io } from './Io.js';

/** A problem of an input file, as every command prints it. */
export interface PrintedIssue {
  severity: 'error' | 'warning';
  path: readonly PropertyKey[];
  message: string;
  /** Our own issue codes are printed; zod's are not (the message says it all). */
  code?: string;
}

/**
 * Prints issues on stderr, one line each and the same way in every command:
 * `bundle.json: warning: devices[0].winPolicyAssigments: <message> (misspelt-field)`.
 */
export function printIssues(io: Io, file: string, issues: readonly PrintedIssue[]): void {
  for (const issue of issues) {
    io.err(`${file}: ${issue.severity}: ${formatIssuePath(issue.path)}: ${issue.message}${issue.code === undefined ? '' : ` (${issue.code})`}\n`);
  }
}

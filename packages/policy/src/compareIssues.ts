import type { ResolutionIssue } from './ResolutionResult.js';
import { compareCodeUnits } from './compareCodeUnits.js';

/** The order of issues: by path, then code, then message. */
export function compareIssues(a: ResolutionIssue, b: ResolutionIssue): number {
  return (
    compareCodeUnits(JSON.stringify(a.path), JSON.stringify(b.path)) ||
    compareCodeUnits(a.code, b.code) ||
    compareCodeUnits(a.message, b.message)
  );
}

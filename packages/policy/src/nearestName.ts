/**
 * Edit distance with adjacent transpositions (optimal string alignment), case-insensitive: how
 * many typed characters separate a misspelling from the word meant.
 */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * The known name that `name` is most likely a misspelling of, or undefined when none is close:
 * the same name in another case, or one within one typo (names of 4 to 7 characters) or two
 * (8 and more). Short names are never guessed at: `ip` is not taken for `id`. Ties go to the
 * first candidate.
 *
 * @example
 * ```ts
 * nearestName('winPolicyAssigments', ['winPolicyId', 'winPolicyAssignments']); // 'winPolicyAssignments'
 * nearestName('colour', ['tags', 'config']); // undefined
 * ```
 */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  const allowed = name.length >= 8 ? 2 : name.length >= 4 ? 1 : 0;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    if (Math.abs(candidate.length - name.length) > allowed) continue;
    const d = distance(name, candidate);
    const caseOnly = candidate.toLowerCase() === name.toLowerCase();
    if ((caseOnly || (d > 0 && d <= allowed)) && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

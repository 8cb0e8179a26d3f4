/**
 * The message of an error as one line: `AggregateError`s (a dual-stack connect that failed on every
 * address) carry theirs in `errors`, and system errors without a message still have a `code`.
 */
export function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = (error as { errors?: unknown }).errors;
  const text =
    error.message !== ''
      ? error.message
      : Array.isArray(inner) && inner.length > 0
        ? [...new Set(inner.map((e) => oneLine(e)))].join('; ')
        : ((error as { code?: unknown }).code?.toString() ?? error.name);
  return text.replace(/\s*\n\s*/g, ' ');
}

/**
 * Orders strings by UTF-16 code units, the order JavaScript's default `sort()` uses: independent
 * of locale and ICU data, so every machine sorts the same way.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

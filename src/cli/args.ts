/** Small helpers for command-line values: return a value or an error message, never throw. */

/** A positive integer option; the default when absent; an error string when malformed. */
export function positiveInt (v: string | undefined, name: string, dflt: number): number | string {
  if (v === undefined) return dflt
  if (!/^[0-9]+$/.test(v) || Number(v) <= 0 || !Number.isSafeInteger(Number(v))) return `${name} needs a positive integer, got "${v}"`
  return Number(v)
}

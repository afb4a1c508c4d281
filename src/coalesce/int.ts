/** A field value as an integer: undefined when empty, not an integer, or too long to be exact. */
export function toInt (v: string | undefined): number | undefined {
  if (v === undefined || v.length === 0 || v.length > 15) return undefined
  const n = Number(v)
  return Number.isInteger(n) ? n : undefined
}

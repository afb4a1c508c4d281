/**
 * Amounts as people read them in log lines and readiness answers: bytes in binary units
 * (`12 MiB`), durations in the two largest units that matter (`3 min 20 s`).
 *
 * MUST keep the digits few: at most one decimal, none from 100 up (`1.5 KiB`, `120 MiB`).
 * MUST round durations down to whole seconds: "for 59 s" is never written for 59.9 s waited
 *      as "for 1 min".
 */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

/** `0 B`, `512 B`, `1.5 KiB`, `12 MiB`, `3.2 GiB`. */
export function bytesText (n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${Math.max(0, Math.round(Number.isFinite(n) ? n : 0))} B`
  let v = n
  let u = 0
  while (v >= 1024 && u < BYTE_UNITS.length - 1) { v /= 1024; u++ }
  // 1023.96 KiB would print as "1024 KiB": show it as the next unit instead
  if (v >= 1023.95 && u < BYTE_UNITS.length - 1) { v /= 1024; u++ }
  const digits = v < 100 ? Math.round(v * 10) / 10 : Math.round(v)
  return `${digits} ${BYTE_UNITS[u]}`
}

const STEPS: ReadonlyArray<[number, string]> = [[86400, 'd'], [3600, 'h'], [60, 'min'], [1, 's']]

/** `0 s`, `45 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`: the largest unit and the next (when not 0). */
export function durationText (seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0))
  for (let i = 0; i < STEPS.length - 1; i++) {
    const [size, name] = STEPS[i]
    if (s < size) continue
    const [nextSize, nextName] = STEPS[i + 1]
    const minor = Math.floor((s % size) / nextSize)
    return minor > 0 ? `${Math.floor(s / size)} ${name} ${minor} ${nextName}` : `${Math.floor(s / size)} ${name}`
  }
  return `${s} s`
}

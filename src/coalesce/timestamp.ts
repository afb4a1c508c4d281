/** `@timestamp` from msg=audit(SECONDS.MILLIS:SERIAL). */

let tsCacheSec = -1
let tsCachePrefix = ''

/** ISO-8601 UTC with milliseconds; the per-second prefix is cached (records come in runs). */
export function isoTimestamp (sec: number, ms: number): string {
  if (sec !== tsCacheSec) {
    const s = new Date(sec * 1000).toISOString() // 2021-03-07T10:50:32.000Z
    tsCachePrefix = s.slice(0, s.length - 4)
    tsCacheSec = sec
  }
  return tsCachePrefix + (ms < 10 ? '00' : ms < 100 ? '0' : '') + ms + 'Z'
}

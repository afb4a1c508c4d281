/**
 * A configuration, or what is wrong with one, as the operator reads it: `check-config`'s
 * summary and `--print`, and the report that refuses a start. Pure: text, written by the CLI.
 */
import type { Config, ConfigIssue } from './types.js'

/** `auditship: invalid config FILE:` then `  <path>: <message>` per issue. */
export function issuesText (file: string, errors: readonly ConfigIssue[]): string {
  let s = `auditship: invalid config ${file}:\n`
  for (const e of errors) s += `  ${e.path}: ${e.message}\n`
  return s
}

/**
 * What would stop `run` on this machine, or leave it delivering nothing, though the
 * configuration is valid (check-config's warnings): a `warning: …` line for the problems that
 * stop it, one for those it waits out (`stops: false`: the audit log missing), each followed by
 * `  <path>: <message>` and `    fix: <fix>` per issue.
 */
export function warningsText (issues: ReadonlyArray<ConfigIssue & { stops?: boolean }>): string {
  const stop = issues.filter((i) => i.stops !== false)
  const wait = issues.filter((i) => i.stops === false)
  const count = (n: number): string => n === 1 ? '1 problem' : `${n} problems`
  const list = (xs: readonly ConfigIssue[]): string => xs.map((i) => `  ${i.path}: ${i.message}\n` + (i.fix === undefined ? '' : `    fix: ${i.fix}\n`)).join('')
  let s = ''
  if (stop.length > 0) s += `warning: auditship run would not start on this machine (${count(stop.length)}):\n` + list(stop)
  if (wait.length > 0) s += `warning: auditship run would start, but read nothing and report not ready until this is fixed (${count(wait.length)}):\n` + list(wait)
  return s
}

/** One line: where events come from and where they go. */
export function configSummary (c: Config): string {
  const source = c.source.stdin ? 'stdin (auditd plugin)' : `${c.source.path} (first start at the ${c.source.read_from})`
  const sinks = c.sinks.map((s) => s.type === 'file' ? `${s.name} (file ${s.path})` : 'endpoints' in s ? `${s.name} (${s.type} ${s.endpoints.join(' ')})` : `${s.name} (${s.type})`).join(', ')
  return `source ${source}; sinks ${sinks}; state ${c.state_dir}`
}

/**
 * The effective configuration (every default filled in, keys in the schema's order) as JSON.
 * The values of an http sink's `headers` are shown as `***` (they may be credentials, e.g. an
 * API key); the secrets themselves are never in the configuration.
 */
export function configJson (c: Config): string {
  const sinks = c.sinks.map((s) => s.type === 'http' ? { ...s, headers: Object.fromEntries(Object.keys(s.headers).map((k) => [k, '***'])) } : s)
  return JSON.stringify({ ...c, sinks }, null, 2) + '\n'
}

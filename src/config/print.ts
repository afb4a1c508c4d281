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
 * What would stop `run` on this machine, though the configuration is valid (check-config's
 * warnings): `warning: …` then `  <path>: <message>` and `    fix: <fix>` per issue.
 */
export function warningsText (issues: readonly ConfigIssue[]): string {
  let s = `warning: auditship run would not start on this machine (${issues.length === 1 ? '1 problem' : `${issues.length} problems`}):\n`
  for (const i of issues) s += `  ${i.path}: ${i.message}\n` + (i.fix === undefined ? '' : `    fix: ${i.fix}\n`)
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

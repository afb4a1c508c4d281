/** `auditship check-config --config FILE [--print]`: validate without running. */
import { parseArgs } from 'node:util'
import { loadConfig, type ConfigIssue } from '../config/load.js'
import { EX_USAGE } from './offline.js'

export const EX_CONFIG = 78

export const CHECK_CONFIG_HELP = `Usage: auditship check-config --config FILE [--print]

Validate a configuration file against schemas/config.schema.json and the checks the schema
cannot express (absolute paths, listen address). Exit 0 when valid, 78 when not, with the
path of every bad key and why. --print shows the effective configuration (defaults filled).
`

export function reportIssues (file: string, errors: ConfigIssue[]): void {
  process.stderr.write(`auditship: invalid config ${file}:\n`)
  for (const e of errors) process.stderr.write(`  ${e.path}: ${e.message}\n`)
}

export async function checkConfigCommand (argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, print: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } })
  if (values.help) { process.stdout.write(CHECK_CONFIG_HELP); return 0 }
  if (values.config === undefined) { process.stderr.write('auditship check-config: --config FILE is required\n'); return EX_USAGE }
  const r = await loadConfig(values.config)
  if (!r.ok) { reportIssues(values.config, r.errors); return EX_CONFIG }
  const c = r.config
  const src = c.source.stdin ? 'stdin (auditd plugin)' : c.source.path
  process.stdout.write(`config OK: ${values.config} (source ${src}; sinks ${c.sinks.map((s) => s.type).join(', ')}; state ${c.state_dir})\n`)
  if (values.print) process.stdout.write(JSON.stringify(c, null, 2) + '\n')
  return 0
}

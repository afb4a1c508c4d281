/** `auditship check-config --config FILE [--print]`: validate a configuration without running. */
import { parseArgs } from 'node:util'
import { readSinkSecrets } from '../config/secrets.js'
import { buildSinks } from '../ship/build.js'
import { loadConfig, type Config, type ConfigIssue } from '../config/load.js'
import { EX_USAGE } from './offline.js'

/** sysexits.h EX_CONFIG: the configuration is invalid */
export const EX_CONFIG = 78

export const CHECK_CONFIG_HELP = `Usage: auditship check-config --config FILE [--print]

Validate a configuration file (YAML or JSON) against schemas/config.schema.json and the checks
the schema cannot express (absolute paths, listen address, distinct sinks), without running.
Exit 0 when it is valid, 78 when not, with one line per problem: the path of the bad key
(e.g. sinks[0].path) and why.

Options:
  -c, --config FILE      the configuration file (see examples/auditship.yaml)
  --print                write the effective configuration (every default filled in) to
                         stdout as JSON; the "config OK" lines then go to stderr
  -h, --help             this help
`

/** `auditship: invalid config FILE:` then `  <path>: <message>` per issue, on stderr. */
export function reportIssues (file: string, errors: readonly ConfigIssue[]): void {
  let s = `auditship: invalid config ${file}:\n`
  for (const e of errors) s += `  ${e.path}: ${e.message}\n`
  process.stderr.write(s)
}

/** One line: where events come from and where they go. */
export function configSummary (c: Config): string {
  const source = c.source.stdin ? 'stdin (auditd plugin)' : `${c.source.path} (first start at the ${c.source.read_from})`
  const sinks = c.sinks.map((s) => s.type === 'file' ? `${s.name} (file ${s.path})` : 'endpoints' in s ? `${s.name} (${s.type} ${s.endpoints.join(' ')})` : `${s.name} (${s.type})`).join(', ')
  return `source ${source}; sinks ${sinks}; state ${c.state_dir}`
}

export async function checkConfigCommand (argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      print: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) { process.stdout.write(CHECK_CONFIG_HELP); return 0 }
  if (values.config === undefined || values.config === '') {
    process.stderr.write('auditship check-config: --config FILE is required (see auditship check-config --help)\n')
    return EX_USAGE
  }
  const r = await loadConfig(values.config)
  if (!r.ok) { reportIssues(values.config, r.errors); return EX_CONFIG }
  // what `run` reads at start besides the file: secrets and TLS files
  const secrets = await readSinkSecrets(r.config)
  if (!secrets.ok) { reportIssues(values.config, secrets.errors); return EX_CONFIG }
  const built = await buildSinks(r.config, { secrets: secrets.secrets, warn: () => {} })
  if (!built.ok) { reportIssues(values.config, built.errors); return EX_CONFIG }
  await Promise.all(built.sinks.map(async (b) => await b.sink.close()))
  const ok = `config OK: ${values.config}\n  ${configSummary(r.config)}\n`
  if (values.print) {
    process.stderr.write(ok)
    process.stdout.write(JSON.stringify(r.config, null, 2) + '\n')
  } else {
    process.stdout.write(ok)
  }
  return 0
}

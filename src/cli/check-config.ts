/** `auditship check-config --config FILE [--print]`: validate a configuration without running. */
import { parseArgs } from 'node:util'
import { prepare } from '../config/prepare.js'
import { preflight } from '../config/preflight.js'
import { configJson, configSummary, issuesText, warningsText } from '../config/print.js'
import { AppErrors, ExitCodes } from '../errors.js'
import { fail } from './report.js'

export const CHECK_CONFIG_HELP = `Usage: auditship check-config --config FILE [--print]

Validate a configuration file (YAML or JSON) against schemas/config.schema.json and the checks
the schema cannot express (absolute paths, listen address, distinct sinks), without running.
Exit ${ExitCodes.OK} when it is valid, ${ExitCodes.CONFIG} when not, with one line per problem: the path of the bad key
(e.g. sinks[0].path) and why.

Then what would stop 'auditship run' on this machine is reported on stderr as warnings, each
with its fix (the exit status stays ${ExitCodes.OK}): the audit log missing or unreadable, the state dir or
the dead-letter file not writable, the server port in use, a secret or TLS file that cannot
be read.

Options:
  -c, --config FILE      the configuration file (see examples/auditship.yaml)
  --print                write the effective configuration (every default filled in) to
                         stdout as JSON; the "config OK" lines then go to stderr
  -h, --help             this help
`

export async function checkConfigCommand (argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      print: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) { process.stdout.write(CHECK_CONFIG_HELP); return ExitCodes.OK }
  if (values.config === undefined || values.config === '') {
    return fail('check-config', AppErrors.USAGE, '--config FILE is required (see auditship check-config --help)')
  }
  // what `run` reads at start: the file, the secrets and TLS files it names (those two are
  // the machine's: warnings here), and what it needs of the machine (preflight)
  const p = await prepare(values.config, { unreadable: 'warn' })
  if (!p.ok) { process.stderr.write(issuesText(values.config, p.errors)); return p.exitCode }
  await Promise.all(p.sinks.map(async (b) => await b.sink.close()))
  const warnings = [...await preflight(p.config), ...p.warnings]
  const ok = `config OK: ${values.config}\n  ${configSummary(p.config)}\n`
  if (values.print) {
    process.stderr.write(ok)
    process.stdout.write(configJson(p.config))
  } else {
    process.stdout.write(ok)
  }
  if (warnings.length > 0) process.stderr.write(warningsText(warnings))
  return ExitCodes.OK
}

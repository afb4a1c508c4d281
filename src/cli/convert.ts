/**
 * `auditship convert [options] [FILE...]`: audit logs → one JSON event per line on stdout.
 */
import { parseArgs } from 'node:util'
import { runOffline } from './offline.js'
import type { PipelineOptions } from '../pipeline/pipeline.js'
import { COMMON_HELP, COMMON_OPTIONS, commonSettings } from './common.js'
import { AppErrors, ExitCodes } from '../errors.js'
import { fail } from './report.js'
import { hostNames, machineId } from '../enrich/host.js'
import { packageVersion } from '../run/identity.js'

export const CONVERT_HELP = `Usage: auditship convert [options] [FILE...]

Read audit logs (in the order given; '-' or none for stdin) and write one JSON event per
line to stdout. A summary line (records=, events=, parse_errors=) goes to stderr. Kernel audit
lines as syslog, journald or dmesg show them ('… kernel: audit: type=1400 audit(…): …') are
read too. Exit ${ExitCodes.DATA} when no line of the input is an audit record; Ctrl-C writes the summary so
far and exits ${ExitCodes.INTERRUPTED}.

Options:
  --validate             exit ${ExitCodes.DATA} if any event fails schemas/event.schema.json (events are
                         always validated; invalid ones are reported, not printed)
  --identity             add what \`run\` puts on every event: host.* (node=, else
                         AUDITSHIP_HOST_NAME, else this machine's name), agent.* (no agent.id:
                         there is no state dir), ecs.version, event.dataset, data_stream.*,
                         service.type. Off by default: the output is the records' alone
${COMMON_HELP}`

export async function convert (argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, validate: { type: 'boolean', default: false }, identity: { type: 'boolean', default: false } },
  })
  if (values.help) { process.stdout.write(CONVERT_HELP); return ExitCodes.OK }
  const s = commonSettings(values)
  if (typeof s === 'string') return fail('convert', AppErrors.USAGE, s)
  const r = await runOffline({
    command: 'convert',
    inputs: positionals,
    pipeline: values.identity ? { ...s.pipeline, identity: await convertIdentity() } : s.pipeline,
    maxLineBytes: s.maxLineBytes,
    errorsFile: s.errorsFile,
    failOnInvalid: values.validate,
  })
  return r.code
}

/** The identity `run` stamps, as far as it exists without a configuration and a state dir. */
async function convertIdentity (): Promise<NonNullable<PipelineOptions['identity']>> {
  const id = await machineId()
  return { host: { ...hostNames(null), version: packageVersion(), namespace: 'default', ...(id === undefined ? {} : { id }) }, fields: [] }
}

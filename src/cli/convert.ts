/**
 * `auditship convert [options] [FILE...]`: audit logs → one JSON event per line on stdout.
 */
import { parseArgs } from 'node:util'
import { runOffline, EX_USAGE } from './offline.js'
import { positiveInt } from './args.js'

export const CONVERT_HELP = `Usage: auditship convert [options] [FILE...]

Read audit logs (in the order given; '-' or none for stdin) and write one JSON event per
line to stdout. A summary line (records=, events=, parse_errors=) goes to stderr.

Options:
  --errors FILE          write each bad line (and each invalid event) with its reason as NDJSON
  --validate             exit 65 if any event fails schemas/event.schema.json (events are
                         always validated; invalid ones are reported, not printed)
  --max-in-flight N      events under construction at most (default 4096)
  --event-timeout SECS   close an event after SECS of log time without its end (default 2)
  --max-line-bytes N     longer lines are parse errors (default 65536)
  --original             include the raw records in event.original
  -h, --help             this help
`

export async function convert (argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      errors: { type: 'string' },
      validate: { type: 'boolean', default: false },
      'max-in-flight': { type: 'string' },
      'event-timeout': { type: 'string' },
      'max-line-bytes': { type: 'string' },
      original: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) { process.stdout.write(CONVERT_HELP); return 0 }
  const maxInFlight = positiveInt(values['max-in-flight'], '--max-in-flight', 4096)
  const timeoutSec = positiveInt(values['event-timeout'], '--event-timeout', 2)
  const maxLineBytes = positiveInt(values['max-line-bytes'], '--max-line-bytes', 65536)
  if (typeof maxInFlight === 'string' || typeof timeoutSec === 'string' || typeof maxLineBytes === 'string') {
    process.stderr.write(`auditship convert: ${[maxInFlight, timeoutSec, maxLineBytes].find((x) => typeof x === 'string') as string}\n`)
    return EX_USAGE
  }
  const r = await runOffline({
    command: 'convert',
    inputs: positionals,
    pipeline: { maxInFlight, timeoutSec, validate: true, includeOriginal: values.original },
    maxLineBytes,
    errorsFile: values.errors,
    failOnInvalid: values.validate,
  })
  return r.code
}

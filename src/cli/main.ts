#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=2 --max-old-space-size=32
/**
 * auditship command line: one file per command under src/cli/.
 *
 * The shebang bounds V8's heap (young generation 2 MB semi-spaces, old generation 32 MB): the
 * work is streaming, and without a bound V8 grows the heap lazily to several times what is
 * live. It also limits glibc to one malloc arena: V8's background compiler and GC threads
 * otherwise each keep an arena of transient zone memory (10-20 MB of resident noise). The same
 * settings are listed in package.json (`auditship.nodeEnv`, `auditship.nodeFlags`) for the
 * benchmark and the service units; a test keeps them equal.
 */
import { readFileSync } from 'node:fs'
import { packageFile } from '../paths.js'
import { convert, CONVERT_HELP } from './convert.js'
import { search, SEARCH_HELP } from './search.js'
import { run, RUN_HELP } from './run.js'
import { checkConfigCommand, CHECK_CONFIG_HELP } from './check-config.js'
import { doctor, DOCTOR_HELP } from './doctor.js'
import { EX_USAGE } from './offline.js'

const HELP = `Usage: auditship <command> [options]

Commands:
  convert [FILE...]     audit logs → one JSON event per line (stdout)
  search [FILE...]      find what a Teleport user, session or uid did (JSON or a timeline)
  run --config FILE     the daemon: follow the audit log and ship every event
  check-config --config FILE
                        validate a configuration without running
  doctor                check this node's audit and Teleport setup
  help [COMMAND]        show help

Run 'auditship <command> --help' for a command's options.
`

const commands: Record<string, { run: (argv: string[]) => Promise<number>, help: string }> = {
  convert: { run: convert, help: CONVERT_HELP },
  search: { run: search, help: SEARCH_HELP },
  run: { run, help: RUN_HELP },
  'check-config': { run: checkConfigCommand, help: CHECK_CONFIG_HELP },
  doctor: { run: doctor, help: DOCTOR_HELP },
}

async function main (argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  if (cmd === undefined || cmd === '-h' || cmd === '--help') { process.stdout.write(HELP); return cmd === undefined ? EX_USAGE : 0 }
  if (cmd === '--version' || cmd === '-v') {
    const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }
    process.stdout.write(`auditship ${pkg.version}\n`)
    return 0
  }
  if (cmd === 'help') {
    const c = rest[0] === undefined ? undefined : commands[rest[0]]
    process.stdout.write(c?.help ?? HELP)
    return 0
  }
  const c = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined
  if (c === undefined) {
    process.stderr.write(`auditship: unknown command "${cmd}"\n\n${HELP}`)
    return EX_USAGE
  }
  try {
    return await c.run(rest)
  } catch (err) {
    const e = err as Error & { code?: string }
    if (e.code?.startsWith('ERR_PARSE_ARGS') === true) {
      process.stderr.write(`auditship ${cmd}: ${e.message}\n`)
      return EX_USAGE
    }
    throw err
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
    // the daemon has closed its sources and sinks; do not wait on stray handles (watchers,
    // stdin in plugin mode) to let the process go
    if (process.argv[2] === 'run') process.exit(code)
  },
  (err: unknown) => {
    process.stderr.write(`auditship: internal error: ${(err as Error).stack ?? String(err)}\n`)
    process.exitCode = 70
  },
)

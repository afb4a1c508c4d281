#!/bin/sh
//bin/true; exec env MALLOC_ARENA_MAX=1 node --max-semi-space-size=2 --max-old-space-size=64 "$0" "$@"
/**
 * auditship command line: one file per command under src/cli/.
 *
 * The first two lines are a launcher: run as a program, the file is a shell script
 * (`//bin/true` is /bin/true, then `exec` replaces the shell with node, same pid, so signals
 * and the exit code are node's own); node skips the `#!` line and reads the second as a
 * comment. It needs only a POSIX sh and `env VAR=value` (no `env -S`, which BusyBox and older
 * coreutils lack), and `"$0"` is the bin's path, symlinks included (node resolves them).
 *
 * The flags bound V8's heap (young generation 2 MB semi-spaces, old generation 64 MB): the
 * work is streaming, and without a bound V8 grows the heap lazily to several times what is
 * live. MALLOC_ARENA_MAX=1 limits glibc to one malloc arena: V8's background compiler and GC
 * threads otherwise each keep an arena of transient zone memory (10-20 MB of resident noise);
 * glibc reads it before any JavaScript runs, so it cannot be set in-process. The same settings
 * are listed in package.json (`auditship.nodeEnv`, `auditship.nodeFlags`) for the benchmark,
 * the service unit and the single binary; a test keeps them equal.
 */
import { readPackageJson } from '../paths.js'
import { AppErrors, ExitCodes } from '../errors.js'
import { fail } from './report.js'
import { parseArgsMessage, unknownCommandMessage, unknownOptionMessage } from './usage.js'

const HELP = `Usage: auditship <command> [options]

Commands:
  convert [FILE...]     audit logs → one JSON event per line (stdout)
  search [FILE...]      find what a Teleport user, session or uid did (JSON or a timeline)
  run --config FILE     the daemon: follow the audit log and ship every event
  check-config --config FILE
                        validate a configuration without running
  doctor                check this node's audit and Teleport setup
  setup elasticsearch --config FILE
                        install the ILM policy and index template in Elasticsearch
  help [COMMAND]        show help

Options:
  -h, --help            this help
  -v, --version         print the version

Run 'auditship <command> --help' for a command's options.
`

interface Command { run: (argv: string[]) => Promise<number>, help: string }

// each command is loaded only when used: convert must not pay for fastify, prom-client or ajv
const commands: Record<string, () => Promise<Command>> = {
  convert: async () => { const m = await import('./convert.js'); return { run: m.convert, help: m.CONVERT_HELP } },
  search: async () => { const m = await import('./search.js'); return { run: m.search, help: m.SEARCH_HELP } },
  run: async () => { const m = await import('./run.js'); return { run: m.run, help: m.RUN_HELP } },
  'check-config': async () => { const m = await import('./check-config.js'); return { run: m.checkConfigCommand, help: m.CHECK_CONFIG_HELP } },
  doctor: async () => { const m = await import('./doctor.js'); return { run: m.doctor, help: m.DOCTOR_HELP } },
  setup: async () => { const m = await import('./setup.js'); return { run: m.setup, help: m.SETUP_HELP } },
}

async function main (argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  if (cmd === undefined || cmd === '-h' || cmd === '--help') { process.stdout.write(HELP); return cmd === undefined ? ExitCodes.USAGE : ExitCodes.OK }
  if (cmd === '--version' || cmd === '-v') {
    const pkg = readPackageJson('package.json') as { version: string }
    process.stdout.write(`auditship ${pkg.version}\n`)
    return ExitCodes.OK
  }
  const names = Object.keys(commands)
  if (cmd === 'help') {
    if (rest[0] === undefined) { process.stdout.write(HELP); return ExitCodes.OK }
    if (!Object.hasOwn(commands, rest[0])) return fail(undefined, AppErrors.USAGE, unknownCommandMessage(rest[0], [...names, 'help']))
    process.stdout.write((await commands[rest[0]]()).help)
    return ExitCodes.OK
  }
  if (cmd.startsWith('-')) return fail(undefined, AppErrors.USAGE, unknownOptionMessage(cmd, undefined, ['--help', '--version']))
  const load = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined
  if (load === undefined) return fail(undefined, AppErrors.USAGE, unknownCommandMessage(cmd, [...names, 'help']))
  const c = await load()
  try {
    return await c.run(rest)
  } catch (err) {
    const e = err as Error & { code?: string }
    if (e.code?.startsWith('ERR_PARSE_ARGS') === true) return fail(cmd, AppErrors.USAGE, parseArgsMessage(e, cmd, c.help))
    throw err
  }
}

// A reader that goes away (`auditship doctor | head -1`) is not an error: stop quietly, as
// convert does. The daemon's stdout sink handles its own stream (it retries).
if (process.argv[2] !== 'run') {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
    process.exit(ExitCodes.OK)
  })
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
    // the daemon has closed its sources and sinks; do not wait on stray handles (watchers,
    // stdin in plugin mode) to let the process go
    if (process.argv[2] === 'run') process.exit(code)
  },
  (err: unknown) => {
    process.exitCode = fail(undefined, AppErrors.INTERNAL, `internal error: ${(err as Error).stack ?? String(err)}`)
  },
)

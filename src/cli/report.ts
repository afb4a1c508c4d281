/**
 * How a command reports an error of the registry (src/errors.ts) on stderr: one line,
 * `auditship <command>: <detail>`, the text operators and scripts have read so far; the
 * registry's code and kind are in docs/errors.md. The error decides the exit code
 * (`exitCodeOf`) unless the caller knows better.
 */
import { exitCodeOf, type ErrorDef, type ExitCode } from '../errors.js'

/** Write `auditship <command>: <detail>` (`auditship: <detail>` without a command). */
export function report (command: string | undefined, def: ErrorDef, detail: string, out: NodeJS.WritableStream = process.stderr): void {
  out.write(`auditship${command === undefined ? '' : ` ${command}`}: ${detail === '' ? def.message : detail}\n`)
}

/** report(), for an error that ends the command: returns its exit code. */
export function fail (command: string | undefined, def: ErrorDef, detail: string, exitCode: ExitCode = exitCodeOf(def), out: NodeJS.WritableStream = process.stderr): ExitCode {
  report(command, def, detail, out)
  return exitCode
}

/**
 * What the operator reads when the command line is wrong: our own one-line messages, with a
 * "did you mean" and a pointer to `auditship help …`, instead of Node's parseArgs texts.
 * Pure functions over the error and the command's help text (which lists every option).
 */
import { closest } from '../config/messages.js'

/** The options a help text lists (`--config`, `-c` …), in order, once each. */
export function optionsIn (help: string): string[] {
  const seen = new Set<string>()
  for (const m of help.matchAll(/(?:^|[\s,[|])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?=[\s,=\]|]|$)/gm)) seen.add(m[1])
  return [...seen]
}

/** What the help text writes after an option (`FILE` in `--config FILE`), if anything. */
function valueName (help: string, option: string): string | undefined {
  const m = new RegExp(`${option.replace(/[-]/g, '\\-')} ([A-Z][A-Z_|,[\\]a-z]*)`).exec(help)
  return m?.[1]
}

function helpPointer (command: string | undefined): string {
  return command === undefined ? "'auditship help' lists the commands" : `'auditship help ${command}' lists its options`
}

/** `unknown option --bgous (did you mean --bogus?); 'auditship help convert' lists its options` */
export function unknownOptionMessage (option: string, command: string | undefined, candidates: readonly string[]): string {
  const longs = candidates.filter((c) => c.startsWith('--'))
  const near = option.startsWith('--') ? closest(option.slice(2), longs.map((c) => c.slice(2))) : undefined
  return `unknown option ${option}${near === undefined ? '' : ` (did you mean --${near}?)`}; ${helpPointer(command)}`
}

/** `unknown command "covnert" (did you mean convert?); 'auditship help' lists the commands` */
export function unknownCommandMessage (name: string, commands: readonly string[]): string {
  const near = closest(name, commands)
  return `unknown command "${name}"${near === undefined ? '' : ` (did you mean ${near}?)`}; ${helpPointer(undefined)}`
}

/**
 * A parseArgs error (ERR_PARSE_ARGS_*) of `command` → our message. Node's texts are read for
 * the option or argument they name; one we do not know is passed on as it is.
 */
export function parseArgsMessage (err: { code?: string, message: string }, command: string, help: string): string {
  const quoted = /'([^']*)'/.exec(err.message)?.[1]
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      if (quoted !== undefined) return unknownOptionMessage(quoted.split('=')[0], command, optionsIn(help))
      break
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "Option '-c, --config <value>' argument missing" / "Option '--print' does not take an argument"
      const option = quoted === undefined ? undefined : /--[a-z0-9-]+/.exec(quoted)?.[0]
      if (option === undefined) break
      if (err.message.includes('argument missing')) {
        const v = valueName(help, option)
        return `${option} needs a value${v === undefined ? '' : ` (${option} ${v})`}; ${helpPointer(command)}`
      }
      return `${option} takes no value; ${helpPointer(command)}`
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      if (quoted === undefined) break
      const asConfig = optionsIn(help).includes('--config') ? ` (did you mean --config ${quoted}?)` : ''
      return `unexpected argument "${quoted}": ${command} takes options only${asConfig}; ${helpPointer(command)}`
    }
    default: // a code we do not know: Node's own message
      break
  }
  return `${err.message}; ${helpPointer(command)}`
}

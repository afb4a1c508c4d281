/**
 * Every error auditship can report, defined once with a stable code and a kind, and the exit
 * codes of the commands.
 *
 * Kinds say what becomes of the data or the run:
 *  - `input`:     a bad line or value in the audit log; becomes a counted parse error
 *                 (and a dead-letter entry when shipping); never thrown.
 *  - `config`:    the operator's configuration or command line is wrong; refused at start.
 *  - `io`:        a file, stream or socket could not be read, written or opened.
 *  - `permanent`: refused for good, trying again fails the same way (a sink's refusal is
 *                 dead-lettered; a request without the server's token is answered 401).
 *  - `retryable`: a transient failure; try again later, keep the data.
 *  - `throttled`: the peer asked us to slow down; retry after its delay.
 *  - `blocked`:   the peer refuses our credentials or settings; keep the data and retry,
 *                 but the sink is unhealthy (not ready) until an attempt works.
 *
 * The table in docs/errors.md lists the same codes with what to do about each, and the exit
 * codes below.
 */
export type ErrorKind = 'input' | 'config' | 'io' | 'permanent' | 'retryable' | 'throttled' | 'blocked'

export interface ErrorDef {
  readonly code: string
  readonly kind: ErrorKind
  readonly message: string
}

function def (code: string, kind: ErrorKind, message: string): ErrorDef {
  return Object.freeze({ code, kind, message })
}

/**
 * How every command exits (sysexits.h where one fits). The only place these numbers are
 * written: commands return `ExitCodes.X`, never a literal.
 */
export const ExitCodes = Object.freeze({
  OK: 0,
  /** doctor: a check failed; search: nothing matched; run: the pipeline could not go on, or the server cannot listen */
  FAILURE: 1,
  /** EX_USAGE: the command line is wrong (unknown command or option, missing or bad value) */
  USAGE: 64,
  /** EX_DATAERR: the input is not an audit log; convert --validate, and an event did not match schemas/event.schema.json; run: the checkpoint cannot be used */
  DATA: 65,
  /** EX_NOINPUT: an input file cannot be opened, or search finds no audit log */
  NO_INPUT: 66,
  /** EX_SOFTWARE: an internal error (a bug: the stack is printed) */
  INTERNAL: 70,
  /** EX_CANTCREAT: run cannot start: the state dir or the dead-letter file cannot be written (config/preflight.ts), or another auditship holds the state dir's lock */
  CANT_CREATE: 73,
  /** EX_IOERR: reading an input failed midway, or the errors file cannot be written */
  IO: 74,
  /** EX_CONFIG: the configuration, or a secret or TLS file it names, is invalid */
  CONFIG: 78,
  /** 128 + SIGINT: convert/search interrupted (Ctrl-C); run: a second SIGTERM/SIGINT while stopping */
  INTERRUPTED: 130,
} as const)

export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes]

/** Reasons a raw audit line is not a record. Returned as values by the parser. */
export const ParseErrors = Object.freeze({
  EMPTY: def('AS_PARSE_EMPTY', 'input', 'empty line'),
  NO_TYPE: def('AS_PARSE_NO_TYPE', 'input', 'line does not start with "type=" (or "node=… type=")'),
  BAD_TYPE: def('AS_PARSE_BAD_TYPE', 'input', 'record type is empty or malformed'),
  NO_HEADER: def('AS_PARSE_NO_HEADER', 'input', 'missing "msg=audit(SECONDS.MILLIS:SERIAL)" header'),
  BAD_TIMESTAMP: def('AS_PARSE_BAD_TIMESTAMP', 'input', 'malformed timestamp in msg=audit(…)'),
  BAD_SERIAL: def('AS_PARSE_BAD_SERIAL', 'input', 'malformed or out-of-range serial in msg=audit(…)'),
  TOO_LONG: def('AS_PARSE_TOO_LONG', 'input', 'line longer than the configured maximum'),
  NUL_BYTE: def('AS_PARSE_NUL_BYTE', 'input', 'line contains a NUL byte'),
} as const)

export type ParseErrorDef = (typeof ParseErrors)[keyof typeof ParseErrors]

/** Errors reported at the edges: the command line, the configuration, files, the daemon. */
export const AppErrors = Object.freeze({
  USAGE: def('AS_USAGE', 'config', 'invalid command line'),
  CONFIG_INVALID: def('AS_CONFIG_INVALID', 'config', 'configuration is invalid'),
  FILE_READ: def('AS_FILE_READ', 'io', 'cannot read input file'),
  FILE_WRITE: def('AS_FILE_WRITE', 'io', 'cannot write output file'),
  NOT_AUDIT_LOG: def('AS_INPUT_NOT_AUDIT_LOG', 'input', 'the input is not an audit log: no line of it is an audit record'),
  NO_MATCH: def('AS_SEARCH_NO_MATCH', 'input', 'no event matches the search criteria'),
  SCHEMA_INVALID: def('AS_SCHEMA_INVALID', 'permanent', 'event does not match schemas/event.schema.json'),
  LISTEN: def('AS_SERVER_LISTEN', 'io', 'cannot listen on server.listen'),
  UNAUTHORIZED: def('AS_SERVER_UNAUTHORIZED', 'permanent', 'the request does not carry the bearer token of server.auth_token_file'),
  RUN_FAILED: def('AS_RUN_FAILED', 'io', 'the pipeline cannot go on: stopping without moving the checkpoint'),
  SHUTDOWN_TIMEOUT: def('AS_RUN_SHUTDOWN_TIMEOUT', 'io', 'stopping took longer than shutdown.timeout_ms: exiting without waiting further'),
  PREFLIGHT: def('AS_RUN_PREFLIGHT', 'io', 'run cannot start: the state dir or the dead-letter file cannot be created or written'),
  LOCKED: def('AS_RUN_LOCKED', 'io', 'run cannot start: another auditship uses the state dir'),
  CHECKPOINT_INVALID: def('AS_RUN_CHECKPOINT_INVALID', 'io', 'run cannot start: the checkpoint cannot be used (auditship run --reset-checkpoint moves it aside)'),
  SETUP_FAILED: def('AS_SETUP_FAILED', 'io', 'auditship setup could not install a policy or template'),
  INTERNAL: def('AS_INTERNAL', 'permanent', 'internal error'),
} as const)

/** The exit code of a command that stops on one of the errors above (`fail()` in src/cli/report.ts). */
const EXIT_ON = new Map<ErrorDef, ExitCode>([
  [AppErrors.USAGE, ExitCodes.USAGE],
  [AppErrors.CONFIG_INVALID, ExitCodes.CONFIG],
  [AppErrors.FILE_READ, ExitCodes.NO_INPUT],
  [AppErrors.FILE_WRITE, ExitCodes.IO],
  [AppErrors.NOT_AUDIT_LOG, ExitCodes.DATA],
  [AppErrors.NO_MATCH, ExitCodes.FAILURE],
  [AppErrors.SCHEMA_INVALID, ExitCodes.DATA],
  [AppErrors.LISTEN, ExitCodes.FAILURE],
  [AppErrors.RUN_FAILED, ExitCodes.FAILURE],
  [AppErrors.SHUTDOWN_TIMEOUT, ExitCodes.FAILURE],
  [AppErrors.PREFLIGHT, ExitCodes.CANT_CREATE],
  [AppErrors.LOCKED, ExitCodes.CANT_CREATE],
  [AppErrors.CHECKPOINT_INVALID, ExitCodes.DATA],
  [AppErrors.INTERNAL, ExitCodes.INTERNAL],
])

export function exitCodeOf (d: ErrorDef): ExitCode {
  return EXIT_ON.get(d) ?? ExitCodes.FAILURE
}

/**
 * Why a sink could not deliver (some of) a batch. The code is the bounded label of the
 * `auditship_sink_failures_total` metric and the `code` of a dead-letter entry. The kind is
 * what the sender chain does with the events (ship/retry.ts, ship/sink-status.ts):
 * `permanent` dead-letters them at once; `retryable` and `throttled` resend them after a
 * backoff (at least the peer's Retry-After); `blocked` resends them too and marks the sink
 * unhealthy at once.
 */
export const SinkErrors = Object.freeze({
  CONNECT: def('AS_SINK_CONNECT', 'retryable', 'cannot connect to the endpoint'),
  TIMEOUT: def('AS_SINK_TIMEOUT', 'retryable', 'the endpoint did not answer in time'),
  NETWORK: def('AS_SINK_NETWORK', 'retryable', 'the connection failed during the request (outcome unknown: resent)'),
  SERVER: def('AS_SINK_SERVER', 'retryable', 'the endpoint answered with a server error (5xx)'),
  THROTTLED: def('AS_SINK_THROTTLED', 'throttled', 'the endpoint asked to slow down (429, 503 busy)'),
  AUTH: def('AS_SINK_AUTH', 'blocked', 'the endpoint refused the credentials (401/403, HEC token error): data kept, sink unhealthy'),
  CONFIG: def('AS_SINK_CONFIG', 'blocked', 'the endpoint says the sink is configured wrong (404 path, 406, HEC index/channel/ack setting): data kept, sink unhealthy'),
  PROTOCOL: def('AS_SINK_PROTOCOL', 'retryable', 'the endpoint answered something that is not its protocol'),
  ACK_TIMEOUT: def('AS_SINK_ACK_TIMEOUT', 'retryable', 'Splunk did not acknowledge indexing in time: resent'),
  TOO_LARGE: def('AS_SINK_TOO_LARGE', 'permanent', 'a single event is larger than the endpoint accepts (413)'),
  REJECTED: def('AS_SINK_REJECTED', 'permanent', 'the endpoint refused the event for good (4xx)'),
  EXPIRED: def('AS_SINK_EXPIRED', 'permanent', 'the event could not be delivered within retry.max_age_secs'),
  WRITE: def('AS_SINK_WRITE', 'retryable', 'a local sink could not write'),
} as const)

export type SinkErrorDef = (typeof SinkErrors)[keyof typeof SinkErrors]

/** An error carrying one of the definitions above; thrown only at the edges. */
export class AuditshipError extends Error {
  readonly code: string
  readonly kind: ErrorKind
  readonly detail: string | undefined

  constructor (errorDef: ErrorDef, detail?: string, options?: { cause?: unknown }) {
    super(detail === undefined ? errorDef.message : `${errorDef.message}: ${detail}`, options)
    this.name = 'AuditshipError'
    this.code = errorDef.code
    this.kind = errorDef.kind
    this.detail = detail
  }
}

/** All definitions, for the registry test and the docs table. */
export function allErrorDefs (): ErrorDef[] {
  return [...Object.values(ParseErrors), ...Object.values(AppErrors), ...Object.values(SinkErrors)]
}

import t, { type Test } from 'tap'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogger, lineStyle, type LoggerOptions } from '../../src/telemetry/logger.js'
import { addSecret } from '../../src/telemetry/redact.js'
import { fieldValue, prettyLine, syslogPriority, withPriority } from '../../src/telemetry/log-format.js'

/** What a logger made with `o` writes for a few entries, to a file instead of stderr. */
function written (t: Test, o: Omit<LoggerOptions, 'fd'>): string {
  const file = join(t.testdir(), 'log')
  const fd = openSync(file, 'w')
  const log = createLogger({ ...o, fd })
  log.info({ config: '/etc/auditship/a b.yaml', sinks: ['file'], offset: 42, token: 's3cret' }, 'auditship starting')
  log.error({ code: 'AS_RUN_FAILED', err: 'disk full' }, 'cannot go on')
  log.debug('checkpoint saved')
  closeSync(fd)
  return readFileSync(file, 'utf8')
}

t.test('json: one object per line, secrets redacted', async (t) => {
  const lines = written(t, { level: 'info', format: 'json', env: {}, tty: true }).trim().split('\n').map((l) => JSON.parse(l))
  t.match(lines, [
    { level: 30, msg: 'auditship starting', config: '/etc/auditship/a b.yaml', sinks: ['file'], offset: 42, token: '[redacted]' },
    { level: 50, msg: 'cannot go on', code: 'AS_RUN_FAILED' },
  ])
  t.equal(lines.length, 2, 'below the level: not written')
})

t.test('pretty: time, level name, message, key=value', async (t) => {
  const text = written(t, { level: 'debug', format: 'pretty', env: {}, tty: false })
  t.equal(text.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /gm, 'TIME '), [
    'TIME INFO  auditship starting config="/etc/auditship/a b.yaml" sinks=["file"] offset=42 token=[redacted]',
    'TIME ERROR cannot go on code=AS_RUN_FAILED err="disk full"',
    'TIME DEBUG checkpoint saved',
    '',
  ].join('\n'))
  t.notMatch(text, /\x1b\[/, 'no colours when not on a terminal')
})

t.test('auto: pretty on a terminal (coloured unless NO_COLOR), json otherwise', async (t) => {
  t.same(lineStyle({ level: 'info', env: {}, tty: true }), { pretty: true, color: true, journal: false })
  t.same(lineStyle({ level: 'info', env: { NO_COLOR: '1' }, tty: true }), { pretty: true, color: false, journal: false })
  t.same(lineStyle({ level: 'info', env: {}, tty: false }), { pretty: false, color: false, journal: false })
  t.same(lineStyle({ level: 'info', format: 'json', env: {}, tty: true }), { pretty: false, color: false, journal: false })
  t.match(written(t, { level: 'info', env: {}, tty: true }), /^\S+ \x1b\[32mINFO \x1b\[0m auditship starting config=/)
  t.match(written(t, { level: 'info', env: {}, tty: false }), /^\{"level":30,/)
})

t.test('under systemd (JOURNAL_STREAM): every line starts with its syslog priority, in both formats', async (t) => {
  const env = { JOURNAL_STREAM: '8:12345' }
  const json = written(t, { level: 'debug', format: 'json', env }).trim().split('\n')
  t.same(json.map((l) => l.slice(0, 4)), ['<6>{', '<3>{', '<7>{'])
  t.equal(JSON.parse(json[0].slice(3)).msg, 'auditship starting')
  const pretty = written(t, { level: 'debug', env, tty: true }).trim().split('\n')
  t.match(pretty, [/^<6>\S+ INFO  auditship starting /, /^<3>\S+ ERROR cannot go on /, /^<7>\S+ DEBUG checkpoint saved$/])
  t.notMatch(pretty.join('\n'), /\x1b\[/, 'no colours for the journal')
  t.same([60, 50, 40, 30, 20, 10].map(syslogPriority), [2, 3, 4, 6, 7, 7])
  t.equal(withPriority('a\n    at b\n', 3), '<3>a\n<3>    at b\n', 'a stack\'s lines too')
})

t.test('values: bare when unambiguous, JSON otherwise; control characters escaped', async (t) => {
  t.same(['x', 'a b', '', 'k=v', 'q"', 3, true, null, [1], { a: 1 }].map(fieldValue), ['x', '"a b"', '""', '"k=v"', '"q\\""', '3', 'true', 'null', '[1]', '{"a":1}'])
  t.equal(prettyLine({ level: 40, time: '2026-01-01T00:00:00.000Z', msg: 'two\nlines', path: 'a\nb' }), '2026-01-01T00:00:00.000Z WARN  two\\nlines path="a\\nb"')
  const err = new Error('boom')
  const line = prettyLine({ level: 50, time: 'T', msg: 'failed', err: { type: 'Error', message: err.message, stack: err.stack } })
  t.match(line, /^T ERROR failed err=boom\n {4}at /, 'an error: its message, then its frames indented')
})

t.test('a secret this process holds is removed from every line, whatever the key', async (t) => {
  addSecret('Basic ZWxhc3RpYzpsb2ctc2VjcmV0')
  addSecret('log-secret-token-4d2f')
  for (const format of ['json', 'pretty'] as const) {
    const file = join(t.testdir(), 'log')
    const fd = openSync(file, 'w')
    const log = createLogger({ level: 'info', format, fd, env: {}, tty: false })
    log.error({ sink: 'es', err: 'HTTP 401 request headers: authorization: Basic ZWxhc3RpYzpsb2ctc2VjcmV0' }, 'sink write failed')
    log.warn({ detail: { nested: ['x log-secret-token-4d2f y'] } }, 'answer: log-secret-token-4d2f')
    closeSync(fd)
    const out = readFileSync(file, 'utf8')
    t.notMatch(out, /ZWxhc3RpYzpsb2ctc2VjcmV0|log-secret-token-4d2f/, format)
    t.match(out, /HTTP 401 request headers: authorization: \[redacted\]/, `${format}: the rest of the line is kept`)
    t.equal(out.trim().split('\n').length, 2, `${format}: one line each`)
  }
})

import t from 'tap'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import { DeadLetter } from '../../src/delivery/dead-letter.js'
import { badLine, invalidEvent, refusedEvent } from '../../src/run/dead-letters.js'
import { LineError } from '../../src/parse/record.js'
import { ParseErrors, SinkErrors } from '../../src/errors.js'
import { SinkError } from '../../src/ship/sink.js'
import { outEvents } from '../helpers/out-events.js'
import { repoRoot } from '../helpers/pipeline.js'

const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'dead-letter.schema.json'), 'utf8')) as object
const validate = new Ajv({ strict: true, keywords: ['tsType'] }).compile(schema)

t.test('every kind of entry, as written, matches schemas/dead-letter.schema.json', async (t) => {
  const path = join(t.testdir(), 'state', 'dead-letter.ndjson')
  const dl = new DeadLetter(path)
  const [e] = outEvents(1)
  dl.write(badLine(new LineError(ParseErrors.NO_HEADER, 'type=SYSCALL h\xc3\xa9', 17, 'at 12'), '/var/log/audit/audit.log'))
  dl.write(badLine(new LineError(ParseErrors.TOO_LONG, 'type=EXECVE a0=', 99, '70000 bytes'), 'stdin'))
  dl.write(invalidEvent({ '@timestamp': 'x' }, [{ path: '/event', message: "must have required property 'event'" }]))
  dl.write(refusedEvent('es', { event: e, error: new SinkError(SinkErrors.REJECTED, 'mapper_parsing_exception', { status: 400 }) }))
  dl.write(refusedEvent('file', { event: e, error: new SinkError(SinkErrors.EXPIRED, 'not delivered after 60 s') }))
  dl.close()
  t.equal(dl.written, 5)
  t.equal(statSync(path).mode & 0o777, 0o600, 'readable by the daemon only')
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  for (const [i, l] of lines.entries()) t.ok(validate(l), `entry ${i}: ${JSON.stringify(validate.errors)}`)
  t.match(lines[0], { source: '/var/log/audit/audit.log', offset: 17, code: 'AS_PARSE_NO_HEADER', reason: /msg=audit.* \(at 12\)$/, line: 'type=SYSCALL hé' })
  t.match(lines[1], { source: 'stdin', code: 'AS_PARSE_TOO_LONG', reason: /\(70000 bytes\)$/ })
  t.match(lines[2], { code: 'AS_SCHEMA_INVALID', issues: [{ path: '/event' }], event: { '@timestamp': 'x' } })
  t.match(lines[3], { sink: 'es', code: 'AS_SINK_REJECTED', status: 400, reason: /mapper_parsing_exception/, event: { n: 0 } })
  t.notOk('status' in lines[4], 'no status when there was none')
  t.ok(lines.every((l) => typeof l.time === 'string' && !Number.isNaN(Date.parse(l.time))), 'each entry has its time')
})

t.test('an entry that does not match the schema is refused by it (the test above can fail)', async (t) => {
  t.notOk(validate({ time: 'x', code: 'AS_X', reason: 'y', offset: 'abc' }))
  t.notOk(validate({ time: 'x', code: 'AS_X' }))
  t.notOk(validate({ time: 'x', code: 'AS_X', reason: 'y', extra: 1 }))
})

t.test('a refusal\'s reason is written without credentials, and bounded', async (t) => {
  const [e] = outEvents(1)
  // a message with a credential in it, however it got there
  const error = Object.assign(new SinkError(SinkErrors.REJECTED, 'x', { status: 400 }), { message: `mapper_parsing_exception {"authorization":"ApiKey Zm9vOmJhcjEyMzQ1Njc4"} ${'y'.repeat(5000)}` })
  const entry = refusedEvent('es', { event: e, error })
  t.match(entry.reason, /^mapper_parsing_exception \{"authorization":"\[redacted\]"\}/)
  t.notMatch(entry.reason, /Zm9vOmJhcjEyMzQ1Njc4/)
  t.ok(entry.reason.length <= 1001, 'capped')
})

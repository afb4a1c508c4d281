import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import { validateEvent } from '../../src/validate/validator.js'
import { runFixture, repoRoot } from '../helpers/pipeline.js'
import { readdirSync } from 'node:fs'

const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'event.schema.json'), 'utf8'))
const reference = new Ajv({ allErrors: true, strict: true }).compile(schema)

const docs = [
  ...readdirSync(join(repoRoot, 'test', 'fixtures', 'correlate')).flatMap((f) => runFixture(`correlate/${f}`).docs),
  ...readdirSync(join(repoRoot, 'test', 'fixtures', 'teleport')).filter((f) => f.endsWith('.log')).flatMap((f) => runFixture(`teleport/${f}`).docs),
]

t.test('every fixture event is valid, by the generated validator and by ajv compiling the schema now', async (t) => {
  t.ok(docs.length > 100)
  for (const d of docs) {
    t.equal(validateEvent(d), undefined)
    t.ok(reference(d), 'ajv agrees')
  }
})

t.test('invalid documents are reported with a path, not thrown', async (t) => {
  const d = structuredClone(docs[0]) as any
  d.auditd.sequence = -1
  t.match(validateEvent(d), [{ path: '/auditd/sequence', message: /must be >= 0/ }])
  const e = structuredClone(docs[0]) as any
  e.surprise = true
  t.match(validateEvent(e), [{ path: '/', message: /additional properties/ }])
  const f = structuredClone(docs[0]) as any
  f.auditd.records[0].fields.x = 1
  t.match(validateEvent(f), [{ path: '/auditd/records/0/fields/x', message: 'must be string' }])
  const g = structuredClone(docs[0]) as any
  g['@timestamp'] = '2024-01-01'
  t.ok(validateEvent(g))
})

import t from 'tap'
import { makeFilter, parseTime } from '../../src/search/filter.js'
import { runFixture } from '../helpers/pipeline.js'
import { rotatedSet } from '../../src/source/rotated.js'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const docs = runFixture('teleport/concurrent_sessions.log').docs

t.test('--teleport-user selects exactly the attributed events', async (t) => {
  const alice = docs.filter(makeFilter({ teleportUser: 'alice@example.com' }))
  t.ok(alice.length > 3)
  t.ok(alice.every((d) => d.teleport?.user === 'alice@example.com'))
  t.equal(docs.filter(makeFilter({ teleportUser: 'nobody' })).length, 0)
})

t.test('--session matches ses= or the Teleport-bound session', async (t) => {
  const s = docs.filter(makeFilter({ session: '57' }))
  t.ok(s.length > 0)
  t.ok(s.every((d) => d.auditd.session === '57' || d.teleport?.session === '57'))
})

t.test('--type matches any record of the event; criteria combine with AND', async (t) => {
  const execs = docs.filter(makeFilter({ types: ['execve'] }))
  t.ok(execs.length > 0)
  t.ok(execs.every((d) => d.auditd.records.some((r) => r.type === 'EXECVE')))
  const both = docs.filter(makeFilter({ types: ['EXECVE'], teleportUser: 'bob@example.com' }))
  t.ok(both.length > 0 && both.length < execs.length)
})

t.test('--uid matches uid, auid, euid or the target account, by id or name', async (t) => {
  const byId = docs.filter(makeFilter({ uid: '1000' }))
  t.ok(byId.length > 0)
  t.ok(byId.every((d) => [d.user?.id, d.user?.audit?.id, d.user?.effective?.id, d.user?.target?.id].includes('1000')))
})

t.test('--start/--end bound by @timestamp, inclusive', async (t) => {
  const times = docs.map((d) => Date.parse(d['@timestamp'])).sort((a, b) => a - b)
  const mid = times[Math.floor(times.length / 2)]
  const after = docs.filter(makeFilter({ start: mid }))
  const before = docs.filter(makeFilter({ end: mid }))
  t.equal(after.length + before.length, docs.length + times.filter((x) => x === mid).length)
})

t.test('parseTime', async (t) => {
  t.equal(parseTime('2023-11-15T09:20:00Z'), Date.UTC(2023, 10, 15, 9, 20, 0))
  t.equal(parseTime('2023-11-15 09:20:00'), Date.UTC(2023, 10, 15, 9, 20, 0), 'UTC unless an offset is given')
  t.equal(parseTime('2023-11-15T10:20:00+01:00'), Date.UTC(2023, 10, 15, 9, 20, 0))
  t.equal(parseTime('2023-11-15'), Date.UTC(2023, 10, 15))
  t.equal(parseTime('1700040000'), 1700040000000)
  t.equal(parseTime('1700040000.5'), 1700040000500)
  const now = Date.UTC(2026, 10, 25, 13, 0, 0) // a Wednesday
  t.equal(parseTime('now', now), now)
  t.equal(parseTime('recent', now), now - 600_000)
  t.equal(parseTime('today', now), Date.UTC(2026, 10, 25))
  t.equal(parseTime('yesterday', now), Date.UTC(2026, 10, 24))
  t.equal(parseTime('this-week', now), Date.UTC(2026, 10, 23), 'Monday')
  t.match(parseTime('next tuesday'), /cannot read "next tuesday" as a time/)
  t.type(parseTime('2023-13-45'), 'string')
})

t.test('rotated set: audit.log.N oldest first, then audit.log', async (t) => {
  const dir = t.testdir()
  for (const n of ['audit.log', 'audit.log.1', 'audit.log.2', 'audit.log.10', 'audit.log.bak', 'other.log']) writeFileSync(join(dir, n), '')
  t.same(rotatedSet(join(dir, 'audit.log')).map((p) => p.slice(dir.length + 1)), ['audit.log.10', 'audit.log.2', 'audit.log.1', 'audit.log'])
  t.same(rotatedSet(join(dir, 'missing', 'audit.log')), [join(dir, 'missing', 'audit.log')])
})

t.test('namePattern: case ignored, * any run of characters, the rest literal', async (t) => {
  const { namePattern } = await import('../../src/search/filter.js')
  const p = namePattern('Alice@*.COM')
  t.ok(p('alice@example.com'))
  t.ok(p('ALICE@a.b.com'))
  t.notOk(p('alice@example.org'))
  t.notOk(p(undefined))
  t.notOk(namePattern('a.c')('abc'), 'a dot is a dot')
  t.ok(namePattern('*')('anyone'))
  t.ok(namePattern('bob')('BOB'))
  t.notOk(namePattern('bob')('bobby'), 'whole name, not a part')
})

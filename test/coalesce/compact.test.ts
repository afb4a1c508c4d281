import t from 'tap'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { runBytes, runFixture, fixtures } from '../helpers/pipeline.js'
import { validateEvent } from '../../src/validate/validator.js'
import type { AuditshipEvent } from '../../src/event/types.js'

const logs = ['teleport', 'correlate'].flatMap((dir) => readdirSync(join(fixtures, dir)).filter((f) => f.endsWith('.log')).map((f) => `${dir}/${f}`))

/** every string / number leaf of the document outside auditd.records, as strings */
function ecsValues (doc: AuditshipEvent): Set<string> {
  const out = new Set<string>()
  const walk = (v: unknown, top: boolean): void => {
    if (typeof v === 'string' || typeof v === 'number') { out.add(String(v)); return }
    if (v === null || typeof v !== 'object') return
    for (const [k, x] of Object.entries(v)) if (!(top && k === 'records')) walk(x, false)
  }
  for (const [k, v] of Object.entries(doc)) walk(v, k === 'auditd')
  return out
}

const withoutRecords = (d: AuditshipEvent): unknown => ({ ...d, auditd: { ...d.auditd, records: undefined } })

t.test('compact and none keep every ECS field and validate; compact leaves out only values the ECS fields hold', async (t) => {
  let dropped = 0
  for (const log of logs) {
    const full = runFixture(log)
    const compact = runFixture(log, { records: 'compact' })
    const none = runFixture(log, { records: 'none' })
    t.equal(compact.docs.length, full.docs.length, `${log}: same events`)
    t.equal(none.docs.length, full.docs.length, `${log}: same events`)
    t.equal(compact.invalid + none.invalid, full.invalid, `${log}: nothing invalid that was not`)
    for (let i = 0; i < full.docs.length; i++) {
      const f = full.docs[i]; const c = compact.docs[i]; const n = none.docs[i]
      t.equal(validateEvent(c), undefined)
      t.equal(validateEvent(n), undefined)
      t.same(withoutRecords(c), withoutRecords(f), 'the rest of the document is the same (Teleport join, summary included)')
      t.same(withoutRecords(n), withoutRecords(f))
      t.notOk('records' in n.auditd, 'none: no auditd.records')
      const fr = f.auditd.records ?? []; const cr = c.auditd.records ?? []
      t.same(cr.map((r) => r.type), fr.map((r) => r.type), 'every record stays')
      const ecs = ecsValues(f)
      for (let j = 0; j < fr.length; j++) {
        for (const part of ['fields', 'enriched'] as const) {
          const a = fr[j][part] ?? {}; const b = cr[j][part] ?? {}
          for (const [k, v] of Object.entries(b)) t.equal(v, a[k], 'a kept field is unchanged')
          for (const [k, v] of Object.entries(a)) {
            if (k in b) continue
            dropped++
            if (!ecs.has(v)) t.fail(`${log} ${f.auditd.sequence} ${fr[j].type}.${part}.${k}=${v} dropped but not carried by the ECS fields`)
          }
        }
      }
    }
  }
  t.ok(dropped > 500, `fields left out: ${dropped}`)
})

t.test('compact: what an execve event keeps and leaves out', async (t) => {
  const { docs } = runFixture('correlate/split_execve.log', { records: 'compact' })
  const d = docs.find((x) => x.auditd.sequence === 700)
  if (d === undefined) { t.fail('no event 700'); return }
  const recs = d.auditd.records ?? []
  const sys = recs[0].fields
  for (const k of ['pid', 'ppid', 'uid', 'gid', 'auid']) t.notOk(k in sys, `SYSCALL ${k} is in user/process`)
  for (const k of ['arch', 'syscall', 'a0', 'suid', 'fsuid', 'items']) t.ok(k in sys, `SYSCALL ${k} is not carried elsewhere: kept`)
  t.same(recs[1].fields, { a1_len: '24', 'a1[0]': '41414141414141414141C3' }, 'EXECVE: argc and a0 left out, the chunks of the split argument kept')
  t.same(recs[2].fields, { 'a1[1]': 'A9' }, 'a2 is process.args[2]')
  t.same(recs[3].fields, {}, 'CWD: process.working_directory')
  t.match(recs[4].fields, { item: '0', nametype: 'NORMAL', rdev: '00:00' })
  t.notOk('name' in recs[4].fields, 'PATH name: file.path')
  t.equal(d.process?.args?.length, 3)
})

t.test('compact: only the PATH that file.* describes loses fields; a PARENT path keeps its own', async (t) => {
  const log = [
    'type=SYSCALL msg=audit(1700000003.000:800): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=50 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="touch" exe="/usr/bin/touch" key=(null)',
    'type=CWD msg=audit(1700000003.000:800): cwd="/tmp"',
    'type=PATH msg=audit(1700000003.000:800): item=0 name="/tmp/" inode=12 dev=08:01 mode=041777 ouid=0 ogid=0 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0',
    'type=PATH msg=audit(1700000003.000:800): item=1 name="/tmp/x" inode=99 dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0',
    'type=PROCTITLE msg=audit(1700000003.000:800): proctitle="touch"',
    '',
  ].join('\n')
  const { docs } = runBytes(log, { records: 'compact' })
  const recs = docs[0].auditd.records ?? []
  t.equal(docs[0].file?.path, '/tmp/x')
  t.match(recs[2].fields, { name: '/tmp/', inode: '12', dev: '08:01', mode: '041777', ouid: '0', ogid: '0' }, 'the PARENT path keeps every field')
  // file.mode holds the permission bits only (0644): the record's mode (with the file type) stays
  t.same(recs[3].fields, { item: '1', mode: '0100644', rdev: '00:00', nametype: 'CREATE', cap_fp: '0', cap_fi: '0', cap_fe: '0', cap_fver: '0' })
  t.same(recs[4].fields, {}, 'PROCTITLE: process.title')
})

import t from 'tap'
import { ResumeSkip, type SkipEntry } from '../../src/correlate/resume-skip.js'
import { parseLine, AuditRecord } from '../../src/parse/record.js'

function rec (line: string, gen: number, offset: number, seq: number): AuditRecord {
  const r = parseLine(line, offset)
  if (!(r instanceof AuditRecord)) throw new Error('bad fixture line')
  r.gen = gen
  r.seq = seq
  return r
}

t.test('records of a listed event up to its last record are left out; later ones and other events pass', async (t) => {
  const seen: Array<[string, number]> = []
  const passed: string[] = []
  const s = new ResumeSkip([{ event: '1.000:7', file: 0, offset: 500 }, { event: 'n 1.000:8', file: 1, offset: 40 }, { event: '1.000:9', file: 0, offset: 900 }], {
    seen: (e, seq) => seen.push([e.event, seq]),
    passed: (e) => passed.push(e.event),
  })
  t.equal(s.take(rec('type=PATH msg=audit(1.000:7): item=1', 0, 100, 1)), true, 'a middle record of 7')
  t.equal(s.take(rec('type=SYSCALL msg=audit(1.000:6): syscall=1', 0, 200, 2)), false, 'another event')
  t.equal(s.take(rec('type=PATH msg=audit(1.000:8): item=1', 0, 250, 3)), false, 'no node=: not the listed n 1.000:8')
  t.equal(s.take(rec('node=n type=PATH msg=audit(1.000:8): item=1', 0, 300, 4)), true, 'the last record of n 1.000:8 is in the next file')
  t.equal(s.take(rec('type=EOE msg=audit(1.000:7): ', 0, 500, 5)), true, 'the last record of 7 (its EOE)')
  t.same(seen, [['1.000:7', 5]])
  t.equal(s.take(rec('type=SYSCALL msg=audit(1.000:7): syscall=1', 0, 600, 6)), false, 'after its last record: a new event of the same key')
  t.equal(s.take(rec('node=n type=PROCTITLE msg=audit(1.000:8): proctitle=78', 1, 40, 7)), true)
  t.same(seen, [['1.000:7', 5], ['n 1.000:8', 7]])
  t.equal(s.take(rec('type=PATH msg=audit(1.000:9): item=1', 1, 10, 8)), false, 'past its listed last record (another file) without reading it: passed on')
  t.same(passed, ['1.000:9'])
  t.equal(s.waiting, 0)
})

t.test('an empty list takes nothing', async (t) => {
  const entries: SkipEntry[] = []
  const s = new ResumeSkip(entries, { seen: () => t.fail('seen'), passed: () => t.fail('passed') })
  t.equal(s.take(rec('type=PATH msg=audit(1.000:7): item=1', 0, 100, 1)), false)
})

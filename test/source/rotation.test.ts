import t from 'tap'
import { planAfter, type Candidate } from '../../src/source/rotation.js'

const id = (ino: number, fp: string, size: number) => ({ dev: 1, ino, fingerprint: fp, size })
const c = (path: string, ino: number, fp: string, size: number): Candidate => ({ path, id: id(ino, fp, size) })
const ours = { identity: { dev: 1, ino: 10, fingerprint: 'aa' }, offset: 100 }

t.test('rotation decisions', async (t) => {
  t.equal(planAfter(ours, [c('audit.log', 10, 'aabb', 150)]).kind, 'same')
  const rot = planAfter(ours, [c('audit.log.2', 9, 'ff', 500), c('audit.log.1', 10, 'aabb', 180), c('audit.log', 11, 'cc', 20)])
  t.equal(rot.kind, 'rotated')
  t.same(rot.steps.map((s) => [s.path, s.offset]), [['audit.log.1', 100], ['audit.log', 0]])
  const ct = planAfter(ours, [c('audit.log.1', 12, 'aabb', 180), c('audit.log', 10, 'dd', 30)])
  t.equal(ct.kind, 'copytruncated')
  t.same(ct.steps.map((s) => [s.path, s.offset]), [['audit.log.1', 100], ['audit.log', 0]])
  const tr = planAfter(ours, [c('audit.log', 10, 'aa', 40)])
  t.equal(tr.kind, 'truncated', 'shrank below our offset')
  t.same(tr.steps.map((s) => [s.path, s.offset]), [['audit.log', 0]])
  t.equal(planAfter(ours, [c('audit.log', 10, 'ee', 400)]).kind, 'truncated', 'same inode, other first bytes')
  const lost = planAfter(ours, [c('audit.log.1', 20, 'x1', 10), c('audit.log', 21, 'x2', 10)])
  t.equal(lost.kind, 'lost')
  t.same(lost.steps.map((s) => [s.path, s.offset]), [['audit.log.1', 0], ['audit.log', 0]], 'every remaining file is newer: all from 0')
  t.equal(planAfter(ours, []).kind, 'lost')
})

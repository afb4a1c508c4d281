/** enrich/serial-gaps.ts through the pipeline: a gap, reordering, a reboot, a filtered range, nodes apart. */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runBytes, repoRoot } from '../helpers/pipeline.js'
import { SerialGaps } from '../../src/enrich/serial-gaps.js'

const rec = (serial: number, sec: number, node?: string, type = 'USER_CMD'): string =>
  `${node === undefined ? '' : `node=${node} `}type=${type} msg=audit(${sec}.000:${serial}): pid=1 uid=0 auid=0 ses=1 msg='cmd=6C73 exe="/usr/bin/sudo" terminal=pts/0 res=success'\n`
const S = 1700000000

function gaps (input: string | Buffer, opts = {}): { gaps: number, missing: number } {
  return { ...runBytes(input, opts).pipeline.gaps.stats }
}

t.test('a gap between consecutive serials is counted once, with the serials missing', async (t) => {
  t.same(gaps(rec(10, S) + rec(11, S) + rec(15, S + 1) + rec(16, S + 2)), { gaps: 1, missing: 3 })
  t.same(gaps(rec(10, S) + rec(11, S) + rec(12, S + 1)), { gaps: 0, missing: 0 }, 'none without one')
})

t.test('go-libaudit\'s lost_messages.log: serials 50-58 never reached the log', async (t) => {
  const log = readFileSync(join(repoRoot, '..', 'shared', 'corpus', 'elastic__go-libaudit', 'testdata__lost_messages.log'))
  t.same(gaps(log), { gaps: 1, missing: 9 })
})

t.test('a late serial inside the window is reordering, not a gap; part of a gap may arrive', async (t) => {
  t.same(gaps(rec(10, S) + rec(12, S) + rec(11, S) + rec(13, S + 20)), { gaps: 0, missing: 0 })
  t.same(gaps(rec(10, S) + rec(15, S) + rec(12, S + 1) + rec(16, S + 30)), { gaps: 2, missing: 3 }, '11 and 13-14 still missing: two runs')
  t.same(gaps(rec(10, S) + rec(12, S) + rec(13, S + 30) + rec(11, S + 31)), { gaps: 1, missing: 1 }, 'too late: counted when the window passed')
})

t.test('a reboot restarts the serial counter: no gap, and each boot is counted apart', async (t) => {
  const boot1 = rec(9000, S) + rec(9001, S) + rec(9003, S + 1)
  const boot2 = rec(5, S + 100, undefined, 'DAEMON_START') + rec(20, S + 101) + rec(21, S + 101) + rec(24, S + 102)
  t.same(gaps(boot1 + boot2), { gaps: 2, missing: 3 }, '9002 in the first boot, 22-23 in the second; the drop to 20 is not counted, nor the DAEMON_START\'s own number')
})

t.test('nodes are counted apart: interleaved hosts make no gap', async (t) => {
  t.same(gaps(rec(10, S, 'a') + rec(500, S, 'b') + rec(11, S, 'a') + rec(501, S, 'b') + rec(12, S, 'a')), { gaps: 0, missing: 0 })
})

t.test('events dropped by a filter rule are seen before the filter: no gap', async (t) => {
  const input = rec(10, S) + rec(11, S).replace('USER_CMD', 'USER_ACCT') + rec(12, S).replace('USER_CMD', 'USER_ACCT') + rec(13, S)
  const r = runBytes(input, { rules: { filter: [{ name: 'acct', record_type: ['USER_ACCT'] }], label: [] } })
  t.equal(r.docs.length, 2, 'the range 11-12 filtered')
  t.same(r.pipeline.gaps.stats, { gaps: 0, missing: 0 })
})

t.test('open gaps are bounded', async (t) => {
  const g = new SerialGaps(10)
  for (let i = 0; i < 3000; i++) g.observe('', i * 2, S, 'SYSCALL')
  t.equal(g.stats.gaps, 3000 - 1 - 1024, 'beyond 1024 open gaps the oldest is counted at once')
  g.end()
  t.same(g.stats, { gaps: 2999, missing: 2999 })
})

/** enrich/loss.ts through the pipeline: the kernel's audit_lost, backlog messages, auditd's errors. */
import t from 'tap'
import { runBytes } from '../helpers/pipeline.js'

t.test('audit_lost= lines: what the kernel total grew by; the lines are still dead-lettered', async (t) => {
  const input = [
    'Dec  5 01:00:00 web1 kernel: audit: audit_backlog=65 > audit_backlog_limit=64',
    'Dec  5 01:00:00 web1 kernel: audit: audit_lost=3 audit_rate_limit=0 audit_backlog_limit=64',
    'Dec  5 01:00:00 web1 kernel: audit: backlog limit exceeded',
    'type=USER_CMD msg=audit(1700000000.000:10): pid=1 uid=0 auid=0 ses=1 msg=\'cmd=6C73 exe="/usr/bin/sudo" terminal=pts/0 res=success\'',
    'Dec  5 01:00:01 web1 kernel: audit: audit_lost=10 audit_rate_limit=0 audit_backlog_limit=64',
    'Dec  5 01:00:01 web1 kernel: audit: backlog limit exceeded',
    'audit: audit_lost=2 audit_rate_limit=0 audit_backlog_limit=64',
  ].join('\n') + '\n'
  const r = runBytes(input)
  t.equal(r.errors.length, 6, 'not audit records: each a parse error (dead-lettered by the runner)')
  t.equal(r.pipeline.loss.stats.kernelLost, 3 + 7 + 2, 'grew by 3, then 7; a smaller total is a new boot\'s, added whole')
  t.same(Object.fromEntries(r.pipeline.loss.stats.messages), { backlog_limit_exceeded: 2 })
  t.equal(r.docs.length, 1)
})

t.test('DAEMON_ERR and DAEMON_ABORT records are counted, and shipped', async (t) => {
  const input = 'type=DAEMON_ERR msg=audit(1700000000.000:7001): op=dispatch-err auid=0 pid=10 res=failed\n' +
    'type=DAEMON_ABORT msg=audit(1700000001.000:7002): op=abort auid=0 pid=10 res=failed\n' +
    'type=DAEMON_ROTATE msg=audit(1700000002.000:7003): op=rotate-logs auid=0 pid=10 res=success\n'
  const r = runBytes(input)
  t.same(Object.fromEntries(r.pipeline.loss.stats.messages), { DAEMON_ERR: 1, DAEMON_ABORT: 1 })
  t.equal(r.docs.length, 3)
  t.same(r.pipeline.gaps.stats, { gaps: 0, missing: 0 }, 'auditd numbers its own records: no serial accounting for them')
})

/** enrich/rules.ts and the pipeline: filter rules drop and count by rule, label rules tag; session records are exempt. */
import t from 'tap'
import { runBytes } from '../helpers/pipeline.js'
import type { LabelSpec, RuleSpec } from '../../src/enrich/rules.js'

const S = 1700000000
let serial = 100
/** One SYSCALL event (ends with its PROCTITLE). */
function exec (o: { exe?: string, uid?: number, auid?: number, success?: boolean, key?: string } = {}): string {
  const n = serial++
  const h = `msg=audit(${S}.${n % 1000}:${n}):`
  return `type=SYSCALL ${h} arch=c000003e syscall=59 success=${o.success === false ? 'no' : 'yes'} exit=${o.success === false ? -13 : 0} a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=${n} auid=${o.auid ?? 1000} uid=${o.uid ?? 1000} gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=2 comm="x" exe="${o.exe ?? '/usr/bin/true'}" key=${o.key === undefined ? '(null)' : `"${o.key}"`}\n` +
    `type=PROCTITLE ${h} proctitle=78\n`
}
function user (type: string, o: { uid?: number, res?: string, exe?: string } = {}): string {
  const n = serial++
  return `type=${type} msg=audit(${S}.${n % 1000}:${n}): pid=${n} uid=${o.uid ?? 0} auid=1000 ses=5 msg='op=login acct="alice" exe="${o.exe ?? '/usr/sbin/sshd'}" hostname=? addr=? terminal=ssh res=${o.res ?? 'success'}'\n`
}
function login (): string {
  const n = serial++
  return `type=LOGIN msg=audit(${S}.${n % 1000}:${n}): pid=${n} uid=0 subj=unconfined old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 ses=5 res=1\n`
}

function run (input: string, filter: RuleSpec[], label: LabelSpec[] = []): { kept: string[], filtered: Record<string, number>, tags: Array<string[] | undefined>, stats: { filtered: number, events: number } } {
  const { docs, pipeline } = runBytes(input, { rules: { filter, label } })
  return { kept: docs.map((d) => d.auditd.records[0].type + ':' + String(d.auditd.records[0].fields.exe ?? '')), filtered: Object.fromEntries(pipeline.filtered), tags: docs.map((d) => d.tags), stats: pipeline.stats }
}

t.test('each matcher drops what it names, counted by rule', async (t) => {
  const cases: Array<[string, RuleSpec, string, string]> = [
    ['executable', { name: 'cron', executable: ['/usr/sbin/cron'] }, exec({ exe: '/usr/sbin/cron' }), exec({ exe: '/usr/bin/vim' })],
    ['record_type', { name: 'no-exec', record_type: ['SYSCALL'] }, exec(), user('USER_CMD')],
    ['key', { name: 'noisy', key: ['noisy'] }, exec({ key: 'noisy' }), exec({ key: 'other' })],
    ['uid', { name: 'svc', uid: [998] }, exec({ uid: 998 }), exec({ uid: 1000 })],
    ['auid unset', { name: 'daemons', auid: ['unset'] }, exec({ auid: 4294967295 }), exec({ auid: 1000 })],
    ['success false', { name: 'failures', success: false }, exec({ success: false }), exec({ success: true })],
    ['success true', { name: 'successes', success: true }, exec({ success: true }), exec({ success: false })],
  ]
  for (const [what, rule, dropped, kept] of cases) {
    const r = run(dropped + kept, [rule])
    t.equal(r.kept.length, 1, `${what}: one kept`)
    t.same(r.filtered, { [rule.name]: 1 }, `${what}: the drop counted under ${rule.name}`)
    t.equal(r.stats.filtered, 1)
    t.equal(r.stats.events, 1, `${what}: filtered events are not counted as emitted`)
  }
})

t.test('every matcher of a rule must match; any value of a matcher; the first rule that matches counts', async (t) => {
  const input = exec({ exe: '/usr/sbin/cron', uid: 0 }) + exec({ exe: '/usr/sbin/cron', uid: 1000 }) + exec({ exe: '/bin/sh', uid: 0 })
  const r = run(input, [{ name: 'root-cron', executable: ['/usr/sbin/cron', '/usr/sbin/anacron'], uid: [0] }, { name: 'root', uid: [0] }])
  t.same(r.kept, ['SYSCALL:/usr/sbin/cron'])
  t.same(r.filtered, { 'root-cron': 1, root: 1 })
})

t.test('session records are exempt unless the rule names their type', async (t) => {
  // uid 0 and sshd: a broad rule that would otherwise drop the logins of every session
  const sessions = user('USER_LOGIN', { exe: '/usr/local/bin/teleport' }) + login() + user('USER_START') + user('USER_END') + user('CRED_DISP') + user('USER_ERR', { res: 'failed', exe: '/usr/local/bin/teleport' })
  const broad = run(sessions + exec({ uid: 0 }), [{ name: 'root', uid: [0] }, { name: 'fails', success: false }, { name: 'tp', executable: ['/usr/local/bin/teleport'] }])
  t.same(broad.kept.map((k) => k.split(':')[0]).sort(), ['CRED_DISP', 'LOGIN', 'USER_END', 'USER_ERR', 'USER_LOGIN', 'USER_START'], 'every session record kept (LOGIN closes last: it does not end an event)')
  t.same(broad.filtered, { root: 1 }, 'only the non-session event dropped')
  const named = run(sessions, [{ name: 'disp', record_type: ['CRED_DISP'] }])
  t.notOk(named.kept.some((k) => k.startsWith('CRED_DISP')), 'a rule naming CRED_DISP drops it')
  t.same(named.filtered, { disp: 1 }, 'and nothing else')
})

t.test('label rules add their tags after the audit keys; key matches the audit keys only', async (t) => {
  const input = exec({ exe: '/usr/sbin/cron', key: 'exec' }) + exec({ exe: '/bin/sh' }) + login()
  const r = run(input, [], [
    { name: 'cron', executable: ['/usr/sbin/cron'], tags: ['noisy-cron', 'exec'] },
    { name: 'by-tag', key: ['noisy-cron'], tags: ['never'] },
    { name: 'root', uid: [0], tags: ['root'] },
  ])
  t.same(r.tags, [['exec', 'noisy-cron'], undefined, undefined], 'tags added once; a label tag is not an audit key; LOGIN exempt from uid')
  t.same(r.filtered, {})
})

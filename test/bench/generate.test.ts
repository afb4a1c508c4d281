import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runBytes, repoRoot } from '../helpers/pipeline.js'

interface Stats { records: number, events: number }
const { generate } = await import(join(repoRoot, 'bench', 'generate.mjs')) as { generate: (o: { records: number, seed: string, out: string, profile: string }) => Promise<Stats> }

async function make (dir: string, profile: string, seed = '7', records = 6000): Promise<{ text: string, stats: Stats }> {
  const out = join(dir, `${profile}-${seed}.log`)
  const stats = await generate({ records, seed, out, profile })
  return { text: readFileSync(out, 'latin1'), stats }
}

t.test('each workload: deterministic, exactly N records, read by auditship without a parse error', async (t) => {
  const dir = t.testdir()
  for (const profile of ['syscall', 'bastion', 'exec']) {
    const a = await make(dir, profile)
    const b = await make(join(dir), profile, '7')
    t.equal(a.text, b.text, `${profile}: same seed, same bytes`)
    t.equal(a.text.split('\n').length - 1, 6000, `${profile}: exact record count`)
    const r = runBytes(Buffer.from(a.text, 'latin1'), {}, 1 << 20, 1 << 16)
    t.equal(r.errors.length, 0, `${profile}: no parse error`)
    t.equal(r.invalid, 0, `${profile}: every event valid`)
    t.ok(Math.abs(r.docs.length - a.stats.events) <= a.stats.events * 0.02, `${profile}: events ${r.docs.length} ≈ generated ${a.stats.events}`)
  }
  t.not((await make(dir, 'bastion', '8')).text, (await make(dir, 'bastion', '7')).text, 'another seed, another log')
})

t.test('bastion: login-heavy, EOE after every multi-record event, ~2.5 records per event', async (t) => {
  const { text, stats } = await make(t.testdir(), 'bastion', '1', 20000)
  const rpe = stats.records / stats.events
  t.ok(rpe > 2.2 && rpe < 2.9, `records per event ${rpe.toFixed(2)}`)
  const types = text.split('\n').map((l) => l.slice(5, l.indexOf(' ')))
  const count = (ty: string): number => types.filter((x) => x === ty).length
  t.ok(count('EOE') >= count('SYSCALL'), 'an EOE per syscall event')
  for (const ty of ['USER_LOGIN', 'USER_START', 'USER_END', 'USER_ACCT', 'CRED_ACQ', 'USER_CMD', 'LOGIN']) t.ok(count(ty) > 50, `${ty}: ${count(ty)}`)
  t.match(text, /teleportUser=/)
  t.match(text, /exe="\/usr\/sbin\/cron"/)
})

t.test('exec: execve-heavy with split long arguments and hex proctitle', async (t) => {
  const { text } = await make(t.testdir(), 'exec', '1', 20000)
  const lines = text.split('\n')
  const execve = lines.filter((l) => l.startsWith('type=EXECVE '))
  t.ok(execve.length > lines.length / 8, `EXECVE records: ${execve.length} of ${lines.length}`)
  t.ok(execve.filter((l) => /a\d+_len=\d+ a\d+\[0\]=/.test(l)).length > 10, 'arguments split into aN_len / aN[i]')
  t.ok(lines.filter((l) => /^type=PROCTITLE .* proctitle=[0-9A-F]+$/.test(l)).length > 1000, 'hex proctitle')
})

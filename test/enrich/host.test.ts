/** enrich/host.ts: the host's names, machine id and the agent id kept in the state dir. */
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { agentId, hostNames, machineId } from '../../src/enrich/host.js'

t.test('host.name: configured, else AUDITSHIP_HOST_NAME, else the kernel\'s; hostname: the variable, else the kernel\'s', async (t) => {
  t.same(hostNames('edge-1', { AUDITSHIP_HOST_NAME: 'node-7' }, 'pod-abc'), { name: 'edge-1', hostname: 'node-7' })
  t.same(hostNames(null, { AUDITSHIP_HOST_NAME: ' node-7\n' }, 'pod-abc'), { name: 'node-7', hostname: 'node-7' }, 'trimmed')
  t.same(hostNames(null, { AUDITSHIP_HOST_NAME: '' }, 'web1'), { name: 'web1', hostname: 'web1' })
  t.same(hostNames(null, {}, 'web1'), { name: 'web1', hostname: 'web1' })
  t.same(hostNames(null, {}, ''), { name: 'localhost', hostname: 'localhost' }, 'no host name set: never an empty one (the schema refuses it)')
})

t.test('machine id: 32 hex digits when readable, else none', async (t) => {
  const dir = t.testdir({ ok: '0123456789abcdef0123456789abcdef\n', junk: 'uninitialized\n' })
  t.equal(await machineId(join(dir, 'ok')), '0123456789abcdef0123456789abcdef')
  t.equal(await machineId(join(dir, 'junk')), undefined)
  t.equal(await machineId(join(dir, 'missing')), undefined)
})

t.test('agent id: made once per state dir, the same at every later start', async (t) => {
  const dir = t.testdir()
  const a = await agentId(dir)
  t.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  t.equal(readFileSync(join(dir, 'agent-id'), 'utf8'), a + '\n')
  t.equal(await agentId(dir), a, 'read back')
  t.not(await agentId(t.testdir()), a, 'another state dir, another agent')
  writeFileSync(join(dir, 'agent-id'), 'not a uuid\n')
  await t.rejects(agentId(dir), /agent-id does not hold a UUID/, 'a damaged file is not replaced silently')
})

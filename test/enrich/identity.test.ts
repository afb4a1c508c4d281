/** enrich/identity.ts: host, agent, ECS, data stream, service, log position and static fields on every event. */
import t from 'tap'
import { runBytes } from '../helpers/pipeline.js'
import { IdentityStamp, namespaceOf, ECS_VERSION, type HostFacts } from '../../src/enrich/identity.js'
import { validateEvent } from '../../src/validate/validator.js'

const HOST: HostFacts = { name: 'web1.example.com', hostname: 'web1.example.com', id: '0123456789abcdef0123456789abcdef', version: '0.1.0', agentId: '3f1c2b1e-8d3a-4c55-9a1e-0c2a6f1d7b10', namespace: 'default' }
const LINE = (node?: string, serial = 7): string => `${node === undefined ? '' : `node=${node} `}type=USER_ACCT msg=audit(1700000000.100:${serial}): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:accounting acct="root" exe="/usr/sbin/cron" hostname=? addr=? terminal=cron res=success'\n`

t.test('without node=: host.name is the configured/machine name, with host.hostname and host.id; every field validates', async (t) => {
  const { docs, invalid } = runBytes(LINE(), { identity: { host: HOST, fields: [[['labels', 'cluster'], 'prod'], [['service', 'environment'], 'production']] } })
  t.equal(invalid, 0)
  const d = docs[0]
  t.same(d.host, { name: 'web1.example.com', hostname: 'web1.example.com', id: HOST.id })
  t.same(d.agent, { type: 'auditship', name: 'web1.example.com', version: '0.1.0', id: HOST.agentId })
  t.same(d.ecs, { version: ECS_VERSION })
  t.equal(d.event.dataset, 'auditship')
  t.same(d.data_stream, { type: 'logs', dataset: 'auditship', namespace: 'default' })
  t.same(d.service, { type: 'auditd', environment: 'production' })
  t.same(d.labels, { cluster: 'prod' })
  t.equal(d.log, undefined, 'no file position without a file (convert, stdin)')
  t.equal(validateEvent(d), undefined)
})

t.test('with node=: host.name is the node; host.hostname/id only when the node is this machine', async (t) => {
  const other = runBytes(LINE('db7'), { identity: { host: HOST, fields: [] } }).docs[0]
  t.same(other.host, { name: 'db7' }, 'another host (aggregated log): nothing of ours')
  t.equal(other.agent?.name, 'web1.example.com', 'the agent is still ours')
  const self = runBytes(LINE('web1'), { identity: { host: HOST, fields: [] } }).docs[0]
  t.same(self.host, { name: 'web1', hostname: 'web1.example.com', id: HOST.id }, 'the short name of this machine')
})

t.test('no machine id, no agent id (convert): the fields are left out, not empty', async (t) => {
  const d = runBytes(LINE(), { identity: { host: { name: 'n', hostname: 'n', version: '1', namespace: 'default' }, fields: [] } }).docs[0]
  t.same(d.host, { name: 'n', hostname: 'n' })
  t.same(d.agent, { type: 'auditship', name: 'n', version: '1' })
  t.equal(validateEvent(d), undefined)
})

t.test('without the identity option the document is as before (convert, the oracle and golden tests)', async (t) => {
  const d = runBytes(LINE('web1')).docs[0]
  for (const k of ['host', 'agent', 'ecs', 'data_stream', 'service', 'labels', 'log'] as const) t.equal(d[k], undefined, k)
  t.equal(d.event.dataset, undefined)
})

t.test('log.file.path and log.offset: the first record of the event', async (t) => {
  const stamp = new IdentityStamp(HOST)
  const d = runBytes(LINE()).docs[0]
  stamp.apply(d, { path: '/var/log/audit/audit.log.1', offset: 4096 })
  t.same(d.log, { file: { path: '/var/log/audit/audit.log.1' }, offset: 4096 })
  t.equal(validateEvent(d), undefined)
})

t.test('data_stream.namespace follows the elasticsearch sink writing to logs-auditship-<namespace>', async (t) => {
  t.equal(namespaceOf([null, 'logs-auditship-prod']), 'prod')
  t.equal(namespaceOf(['logs-other-x', null]), 'default', 'another data set: not ours to name')
  t.equal(namespaceOf([]), 'default')
})

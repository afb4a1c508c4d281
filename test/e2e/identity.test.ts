/**
 * End-to-end: `auditship run` stamps identity on every event (host, agent with its id kept in
 * the state dir across restarts, log position, static fields), applies filter rules, and
 * refuses a static field outside the schema's allowed places with its path.
 */
import t from 'tap'
import { writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { appendEvents, exited, startDaemon, until } from '../helpers/daemon.js'
import { cli } from '../helpers/cli.js'

function config (dir: string, extra = ''): string {
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source: { path: ${dir}/audit.log, read_from: beginning, poll_interval_ms: 50 }
correlate: { idle_timeout_ms: 300 }
state_dir: ${dir}/state
server: { enabled: false }
checkpoint: { interval_ms: 100 }
sinks:
  - type: file
    path: ${dir}/out.ndjson
    batch: { max_events: 200, flush_interval_ms: 20 }
log: { level: warn }
${extra}`)
  return cfg
}

const docs = (dir: string): any[] => {
  try { return readFileSync(join(dir, 'out.ndjson'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) } catch { return [] }
}

t.test('identity on every event, the agent id the same after a restart', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  const cfg = config(dir, 'host: { name: edge-1 }\nenrich: { fields: { labels.cluster: prod } }\n')
  appendEvents(log, 1, 5)
  let d = startDaemon(cfg, { AUDITSHIP_HOST_NAME: 'node-7' })
  t.teardown(() => { d.kill('SIGKILL') })
  t.ok(await until(() => docs(dir).length === 5, 15000), d.stderrText())
  d.kill('SIGTERM')
  t.equal((await exited(d)).code, 0)
  const agentId = readFileSync(join(dir, 'state', 'agent-id'), 'utf8').trim()
  const first = docs(dir)
  for (const e of first) {
    t.equal(e.host.name, e.auditd.node ?? 'edge-1', 'node= else the configured name')
    t.equal(e.agent.id, agentId)
    t.equal(e.agent.name, 'edge-1')
    t.same(e.labels, { cluster: 'prod' })
    t.equal(e.log.file.path, log)
    t.equal(readFileSync(log, 'latin1').slice(e.log.offset).split('\n', 1)[0].includes(`:${String(e.auditd.sequence)})`), true, 'log.offset is the start of a record of the event')
  }
  appendEvents(log, 6, 2)
  d = startDaemon(cfg)
  t.ok(await until(() => docs(dir).length === 7, 15000), d.stderrText())
  d.kill('SIGTERM')
  t.equal((await exited(d)).code, 0)
  t.equal(docs(dir)[6].agent.id, agentId, 'the same agent after a restart')
})

t.test('a static field outside labels/service is refused at start with its path (exit 78)', async (t) => {
  const dir = t.testdir()
  writeFileSync(join(dir, 'audit.log'), '')
  const r = cli(['check-config', '--config', config(dir, 'enrich: { fields: { user.name: root } }\n')])
  t.equal(r.code, 78)
  t.match(r.stderr, /enrich\.fields\["user\.name"\].*is filled by auditship itself/)
})

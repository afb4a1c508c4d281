/**
 * End-to-end: signals and the file sink's output (issue #11 items 2, 6, 10), with the built CLI
 * as a daemon. The output rotated by rename with SIGHUP, and its directory removed, lose no
 * event; SIGHUP does not kill the daemon; SIGTERM ends within shutdown.timeout_ms (+1 s for
 * the process itself) with a stuck sink, and exits non-zero with the error's code when the
 * final checkpoint cannot be written.
 */
import t, { type Test } from 'tap'
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { appendEvents, delivered, exited, freePort, startDaemon, until } from '../helpers/daemon.js'
import { cli } from '../helpers/cli.js'

function config (dir: string, out: string, extra = ''): string {
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source:
  path: ${dir}/audit.log
  read_from: beginning
  poll_interval_ms: 50
correlate:
  idle_timeout_ms: 300
state_dir: ${dir}/state
checkpoint:
  interval_ms: 100
sinks:
  - type: file
    path: ${out}
    batch: { max_events: 50, flush_interval_ms: 20 }
log:
  level: info
${extra}`)
  return cfg
}

/** A test directory only root writes in (the daemon refuses others). */
function safeDir (t: Test): string {
  const dir = t.testdir()
  chmodSync(dir, 0o755)
  return dir
}

/** Serials 1..total-1 missing from the union of the files. */
function missing (files: string[], total: number): number[] {
  const got = new Set<number>()
  for (const f of files) for (const n of delivered(f).keys()) got.add(n)
  const out: number[] = []
  for (let n = 1; n < total; n++) if (!got.has(n)) out.push(n)
  return out
}

t.test('output rotated by rename while writing, then SIGHUP: every event is in one of the two files, and the daemon lives on', async (t) => {
  const dir = safeDir(t)
  const log = join(dir, 'audit.log')
  const out = join(dir, 'out.ndjson')
  writeFileSync(log, '')
  const d = startDaemon(config(dir, out))
  t.teardown(() => { d.kill('SIGKILL') })
  let next = 1
  let writing = true
  const writer = (async () => { while (writing) { next = appendEvents(log, next, 10); await sleep(10) } })()
  t.ok(await until(() => delivered(out).size > 200, 20_000), 'delivering')
  // logrotate without copytruncate: rename, then postrotate sends SIGHUP (the writes go on)
  renameSync(out, `${out}.1`)
  await sleep(100)
  d.kill('SIGHUP')
  t.ok(await until(() => d.stderrText().includes('SIGHUP: reopened the output files'), 10_000), 'SIGHUP is logged')
  await sleep(300)
  writing = false
  await writer
  t.ok(await until(() => missing([out, `${out}.1`], next).length === 0, 30_000), `all ${next - 1} events delivered`)
  t.same({ code: d.exitCode, signal: d.signalCode }, { code: null, signal: null }, 'SIGHUP did not stop the daemon')
  t.same(missing([out, `${out}.1`], next), [], 'none missing across the rotated and the new file')
  t.ok(delivered(out).size > 0, 'the new file at the path receives events')
  t.match(d.stderrText(), new RegExp(`"reopened":\\["sink file-0: ${out.replace(/[.]/g, '\\.')}","dead letter: `), 'the log names what was reopened')
  d.kill('SIGTERM')
  t.equal((await exited(d)).code, 0, 'then stops cleanly on SIGTERM')
})

t.test('the output directory removed while running: the events after it are in the new file', async (t) => {
  const dir = safeDir(t)
  const log = join(dir, 'audit.log')
  const out = join(dir, 'out', 'events.ndjson')
  writeFileSync(log, '')
  const d = startDaemon(config(dir, out))
  t.teardown(() => { d.kill('SIGKILL') })
  let next = appendEvents(log, 1, 100)
  t.ok(await until(() => delivered(out).size === 99 + 1, 20_000), 'the first 100 delivered')
  rmSync(join(dir, 'out'), { recursive: true })
  const first = next
  next = appendEvents(log, next, 100)
  const after = (): number[] => { const got = delivered(out); const m: number[] = []; for (let n = first; n < next; n++) if (!got.has(n)) m.push(n); return m }
  t.ok(await until(() => after().length === 0, 20_000), 'the next 100 arrive')
  t.same(after(), [], 'none of them went into the deleted file')
  d.kill('SIGTERM')
  t.equal((await exited(d)).code, 0)
})

t.test('SIGTERM when the state dir cannot be written any more: exit 1 with the code, within shutdown.timeout_ms + 1 s', async (t) => {
  const dir = safeDir(t)
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  appendEvents(log, 1, 50)
  const out = join(dir, 'out.ndjson')
  // with the health server on (its handles kept the process alive after the error)
  const d = startDaemon(config(dir, out, `shutdown: { timeout_ms: 2000 }\nserver: { enabled: true, listen: '127.0.0.1:${await freePort()}' }\n`))
  t.teardown(() => { d.kill('SIGKILL') })
  t.ok(await until(() => delivered(out).size === 50 && existsSync(join(dir, 'state', 'checkpoint.json')), 20_000), 'running, checkpointed')
  // the state dir is gone and a file is in its place
  rmSync(join(dir, 'state'), { recursive: true })
  writeFileSync(join(dir, 'state'), '')
  appendEvents(log, 51, 10) // something new to checkpoint
  await until(() => delivered(out).size === 60, 10_000)
  const t0 = Date.now()
  d.kill('SIGTERM')
  const ended = await until(() => d.exitCode !== null, 10_000, 20)
  const took = Date.now() - t0
  t.ok(ended, 'exited')
  if (!ended) t.comment(d.stderrText().slice(-2000))
  t.ok(took < 3000, `within timeout_ms + 1 s (took ${took} ms)`)
  t.equal(d.exitCode, 1, 'non-zero')
  t.match(d.stderrText(), /"code":"AS_RUN_FAILED"[^\n]*cannot save the checkpoint at shutdown/)
  t.notMatch(d.stderrText(), /internal error/)
})

t.test('SIGTERM with a sink that never answers: exits within shutdown.timeout_ms + 1 s', async (t) => {
  let requests = 0
  const server = createServer((req) => { requests++; req.resume() }) // reads the request, never answers
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const { port } = server.address() as { port: number }
  const dir = safeDir(t)
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  appendEvents(log, 1, 200)
  const cfg = join(dir, 'http.yaml')
  writeFileSync(cfg, `source: { path: ${log}, read_from: beginning }
state_dir: ${dir}/state
shutdown: { timeout_ms: 2000 }
sinks:
  - type: http
    endpoints: [http://127.0.0.1:${port}/ingest]
log: { level: info }
`)
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  t.ok(await until(() => requests > 0 || d.exitCode !== null, 20_000, 20), 'a request is under way')
  await sleep(200)
  const t0 = Date.now()
  d.kill('SIGTERM')
  const ended = await until(() => d.exitCode !== null, 10_000, 20)
  const took = Date.now() - t0
  t.ok(ended, 'exited')
  t.ok(took < 3000, `within timeout_ms + 1 s (took ${took} ms)`)
  t.equal(d.exitCode, 0, 'the checkpoint was saved: a clean stop, with what was not delivered read again')
})

t.test('check-config names an output directory others can write in (run refuses it at start)', async (t) => {
  const dir = safeDir(t)
  writeFileSync(join(dir, 'audit.log'), '')
  const outDir = join(dir, 'shared')
  const cfg = config(dir, join(outDir, 'events.ndjson'))
  mkdirSync(outDir)
  chmodSync(outDir, 0o775)
  const r = cli(['check-config', '--config', cfg])
  t.equal(r.code, 0, 'valid configuration: the machine\'s problems are warnings')
  t.match(r.stderr, new RegExp(`sinks\\[0\\]\\.path: the directory of the output of sink file-0, ${outDir.replace(/[.]/g, '\\.')}, is writable by its group \\(mode 0775\\)`))
})

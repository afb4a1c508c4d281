/**
 * End-to-end: output.records in the daemon's config gives the documents `convert --records`
 * gives (plugin mode, a file sink).
 */
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { createReadStream, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cliPath } from '../helpers/cli.js'
import { repoRoot } from '../helpers/pipeline.js'
import { exited } from '../helpers/daemon.js'

const input = join(repoRoot, 'examples', 'teleport-sessions.log')
const key = (e: any): string => `${e['@timestamp']}:${e.auditd.sequence}`

for (const mode of ['compact', 'none']) {
  t.test(`output.records: ${mode}`, async (t) => {
    const dir = t.testdir()
    const cfg = join(dir, 'plugin.yaml')
    writeFileSync(cfg, `source: { stdin: true }\nstate_dir: ${dir}/state\nserver: { enabled: false }\noutput: { records: ${mode} }\nsinks:\n  - type: file\n    path: ${dir}/out.ndjson\nlog: { level: warn }\n`)
    const child = spawn(process.execPath, [cliPath, 'run', '--config', cfg], { stdio: ['pipe', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    createReadStream(input).pipe(child.stdin)
    t.equal((await exited(child)).code, 0, `exit 0 at the end of the feed ${err}`)
    const shipped = readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    // run stamps the node's identity: convert --identity does the same, but for agent.id (no state dir)
    for (const e of shipped) delete e.agent.id
    const conv = spawnSync(process.execPath, [cliPath, 'convert', '--identity', '--records', mode, input], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l))
    const full = spawnSync(process.execPath, [cliPath, 'convert', input], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l))
    t.equal(shipped.length, conv.length)
    const byKey = new Map(conv.map((e) => [key(e), e]))
    for (const e of shipped) t.same(e, byKey.get(key(e)), `event ${key(e)} as convert --records ${mode} writes it`)
    t.not(JSON.stringify(shipped[0]), JSON.stringify(full.find((e) => key(e) === key(shipped[0]))), 'not the full document')
    if (mode === 'none') t.ok(shipped.every((e) => e.auditd.records === undefined))
  })
}

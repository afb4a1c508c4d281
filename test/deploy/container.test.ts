/**
 * deploy/container/Dockerfile, checked statically: CI cannot build it (podman cannot pull a
 * base image there: no network but the npm registry and Debian's packages). Multi-stage, a
 * slim Node LTS runtime, not root, a HEALTHCHECK on /healthz, the memory settings of
 * package.json `auditship`, and every file it copies present in the build context that
 * .dockerignore leaves.
 */
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../helpers/pipeline.js'

interface Instruction { op: string, args: string }

/** The instructions of a Dockerfile: comments dropped, continuation lines joined. */
function instructions (text: string): Instruction[] {
  const joined = text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n').replace(/\\\n/g, ' ')
  return joined.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => {
    const m = /^(\S+)\s+(.*)$/.exec(l)
    return { op: (m?.[1] ?? l).toUpperCase(), args: m?.[2] ?? '' }
  })
}

const dockerfile = instructions(readFileSync(join(repoRoot, 'deploy', 'container', 'Dockerfile'), 'utf8'))
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { auditship: { nodeFlags: string[], nodeEnv: Record<string, string> } }
const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))

/** The instructions of each stage (from its FROM on). */
function stages (): Instruction[][] {
  const out: Instruction[][] = []
  for (const i of dockerfile) {
    if (i.op === 'FROM') out.push([])
    out.at(-1)?.push(i)
  }
  return out
}

t.test('multi-stage, runtime on a slim Node LTS image', async (t) => {
  const s = stages()
  t.ok(s.length >= 2, 'a build stage and a runtime stage')
  t.match(s[0][0].args, /\bAS build$/)
  const arg = dockerfile.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='))
  t.match(arg?.args ?? '', /^NODE_IMAGE=node:(20|22|24)-[a-z]+-slim$/)
  t.equal(s.at(-1)![0].args, '${NODE_IMAGE}', 'the runtime is the slim node image, not the build stage')
  t.ok(s.at(-1)!.some((i) => i.op === 'COPY' && i.args.startsWith('--from=build')), 'the runtime takes the bundle from the build stage')
  t.notOk(s.at(-1)!.some((i) => i.op === 'RUN' && /npm (ci|install)/.test(i.args)), 'no npm install in the runtime image')
})

t.test('not root, a HEALTHCHECK on /healthz, the memory settings', async (t) => {
  const last = stages().at(-1)!
  const users = last.filter((i) => i.op === 'USER').map((i) => i.args.split(':')[0])
  t.ok(users.length > 0, 'USER is set')
  t.notOk(['root', '0'].includes(users.at(-1)!), `the image runs as ${users.at(-1)}`)
  const hc = last.find((i) => i.op === 'HEALTHCHECK')
  t.match(hc?.args ?? '', /CMD .*http:\/\/127\.0\.0\.1:9477\/healthz/)
  const entry = JSON.parse(last.find((i) => i.op === 'ENTRYPOINT')!.args) as string[]
  t.same(entry.slice(0, 1 + pkg.auditship.nodeFlags.length), ['node', ...pkg.auditship.nodeFlags])
  const env = last.filter((i) => i.op === 'ENV').map((i) => i.args).join(' ')
  for (const [k, v] of Object.entries(pkg.auditship.nodeEnv)) t.match(env, new RegExp(`\\b${k}=${v}\\b`))
})

t.test('what it copies is in the build context', async (t) => {
  t.ok(ignore.includes('node_modules') && ignore.includes('.git'), '.dockerignore keeps node_modules and .git out')
  for (const i of dockerfile.filter((x) => x.op === 'COPY' && !x.args.startsWith('--from'))) {
    const parts = i.args.split(/\s+/)
    for (const src of parts.slice(0, -1)) {
      t.ok(existsSync(join(repoRoot, src)), `${src} exists`)
      t.notOk(ignore.some((p) => src === p || src.startsWith(`${p}/`)), `${src} is not in .dockerignore`)
    }
  }
})

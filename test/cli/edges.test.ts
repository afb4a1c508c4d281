/**
 * The command line's edges: a reader that goes away, mistyped commands and options, Ctrl-C
 * during convert, progress when reading stdin on a terminal.
 */
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cli, cliPath } from '../helpers/cli.js'
import { fixtures, repoRoot } from '../helpers/pipeline.js'

const example = join(repoRoot, 'examples', 'teleport-sessions.log')
const interleaved = join(fixtures, 'correlate', 'interleaved.log')

/** Run the CLI with stdout a pipe whose reader is gone before anything is written. */
async function closedStdout (args: string[]): Promise<{ code: number | null, stderr: string }> {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.destroy()
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  return await new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })))
}

t.test('every command survives a closed stdout (EPIPE)', async (t) => {
  const dir = t.testdir()
  const cfg = join(dir, 'c.yaml')
  writeFileSync(cfg, `source: { path: ${example} }\nstate_dir: ${dir}/state\nsinks: [{ type: stdout }]\n`)
  for (const args of [
    ['--help'], ['--version'], ['help', 'search'],
    ['convert', example], ['search', '--format', 'text', example],
    ['check-config', '--config', cfg], ['check-config', '--config', cfg, '--print'],
    ['doctor', '--no-auditctl', '--proc', dir, '--config', cfg], ['run', '--help'],
  ]) {
    const r = await closedStdout(args)
    t.notMatch(r.stderr, /write EPIPE|Unhandled 'error'|\n +at /, `${args.join(' ')}: no crash`)
    t.equal(r.code, 0, args.join(' '))
  }
})

t.test('unknown commands and options: our message, did-you-mean, a pointer to help (exit 64)', async (t) => {
  const cases: Array<[string[], string]> = [
    [['covnert'], 'auditship: unknown command "covnert" (did you mean convert?); \'auditship help\' lists the commands'],
    [['help', 'serch'], 'auditship: unknown command "serch" (did you mean search?); \'auditship help\' lists the commands'],
    [['--verison'], 'auditship: unknown option --verison (did you mean --version?); \'auditship help\' lists the commands'],
    [['convert', '--orignal', example], 'auditship convert: unknown option --orignal (did you mean --original?); \'auditship help convert\' lists its options'],
    [['search', '--teleport-usr', 'bob'], 'auditship search: unknown option --teleport-usr (did you mean --teleport-user?); \'auditship help search\' lists its options'],
    [['run', '--cnfig', 'x.yaml'], 'auditship run: unknown option --cnfig (did you mean --config?); \'auditship help run\' lists its options'],
    [['doctor', '--audit-lg', 'x'], 'auditship doctor: unknown option --audit-lg (did you mean --audit-log?); \'auditship help doctor\' lists its options'],
    [['check-config', '--config'], 'auditship check-config: --config needs a value (--config FILE); \'auditship help check-config\' lists its options'],
    [['check-config', '--print=yes'], 'auditship check-config: --print takes no value; \'auditship help check-config\' lists its options'],
    [['check-config', 'auditship.yaml'], 'auditship check-config: unexpected argument "auditship.yaml": check-config takes options only (did you mean --config auditship.yaml?); \'auditship help check-config\' lists its options'],
  ]
  for (const [args, message] of cases) {
    const r = cli(args)
    t.equal(r.code, 64, args.join(' '))
    t.equal(r.stderr, message + '\n')
    t.notMatch(r.stderr, /Unknown option|argument missing|positional/, "not Node's parseArgs text")
  }
})

t.test('Ctrl-C during convert: what was converted, the summary so far, exit 130', async (t) => {
  // from stdin, which stays open
  const child = spawn(process.execPath, [cliPath, 'convert'], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const first = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); resolve() }))
  // enough to fill the output buffer once, so that something is written before the signal
  const one = readFileSync(interleaved)
  // the child stops reading at the signal: what is still being written to it fails with
  // EPIPE here, in the test, which is expected (the convert under test is the child)
  child.stdin.on('error', () => {})
  child.stdin.write(Buffer.concat(Array.from({ length: 400 }, () => one)))
  await first
  child.kill('SIGINT')
  const code = await new Promise((resolve) => child.on('close', resolve))
  t.equal(code, 130)
  t.match(stderr, /^auditship convert: interrupted \(SIGINT\); the summary so far:\nauditship convert: records=\d+ events=\d+ /m)
  const events = Number(/ events=(\d+)/.exec(stderr)?.[1])
  t.ok(events > 0)
  t.equal(stdout.trim().split('\n').length, events, 'every event counted was written')

  // from a file, read synchronously
  const dir = t.testdir()
  const big = join(dir, 'big.log')
  writeFileSync(big, Buffer.concat(Array.from({ length: Math.ceil((30 << 20) / one.length) }, () => one)))
  const f = spawn(process.execPath, [cliPath, 'convert', big], { stdio: ['ignore', 'pipe', 'pipe'] })
  let ferr = ''
  f.stderr.on('data', (d: Buffer) => { ferr += d.toString() })
  await new Promise<void>((resolve) => f.stdout.once('data', () => resolve()))
  f.stdout.resume()
  f.kill('SIGINT')
  t.equal(await new Promise((resolve) => f.on('close', resolve)), 130, ferr)
  t.match(ferr, /interrupted \(SIGINT\); the summary so far:\nauditship convert: records=\d+ /)
})

t.test('convert from stdin shows progress on a terminal too', async (t) => {
  const probe = spawnSync('script', ['--version'], { encoding: 'utf8' })
  if (probe.status !== 0) { t.plan(0, 'util-linux `script` (a pseudo-terminal) is not available'); return }
  const dir = t.testdir()
  const big = join(dir, 'big.log')
  const one = readFileSync(interleaved)
  writeFileSync(big, Buffer.concat(Array.from({ length: Math.ceil((12 << 20) / one.length) }, () => one)))
  const cmd = `cat ${big} | ${process.execPath} ${cliPath} convert > ${join(dir, 'out.ndjson')}`
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })
  t.equal(r.status, 0)
  t.match(r.stdout, /\rauditship convert: \d+ MB, \d+ records \(\d+\/s\)/, 'bytes and records so far (no percentage: the size is unknown)')
  t.notMatch(cli(['convert'], readFileSync(big)).stderr, /MB,/, 'none when stderr is not a terminal')
})

/**
 * Helpers for test/oracle/*: list the shared corpus logs, run our CLI and the auparse dump
 * (test/helpers/auparse_dump.py) on them, and put both sides' values in one representation.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// ---------------------------------------------------------------- corpus

export interface CorpusLog {
  /** `<owner>__<repo>/<file>` as in the corpus (the YAML's name for extracted YAML logs) */
  name: string
  /** the file to read: the corpus file, or a temp file holding a YAML's `type=` lines */
  path: string
  /** true when extracted from a go-libaudit aucoalesce YAML */
  fromYaml: boolean
}

const NOT_LOGS = [/\.golden$/, /\.json$/, /\.yaml$/, /\.ref$/, /\.ref\.py$/]

/**
 * go-libaudit's aucoalesce__testdata__*.yaml are YAML maps `tests: {name: |\n  <records>}`:
 * keep the lines that, without their indentation (and a `- ` item marker or surrounding
 * quotes, should a file use them), start with `type=`. Block scalars are `|` (or `>` with a
 * single line), so a record never spans two YAML lines.
 */
export function extractYamlRecords (text: string): string[] {
  const out: string[] = []
  for (const raw of text.split('\n')) {
    let l = raw.replace(/\r$/, '').replace(/^\s+/, '')
    if (l.startsWith('- ')) l = l.slice(2).replace(/^\s+/, '')
    const q = l.charAt(0)
    if ((q === '"' || q === "'") && l.endsWith(q) && l.length > 1) l = l.slice(1, -1)
    if (l.startsWith('type=')) out.push(l)
  }
  return out
}

/** Every log of the corpus (sorted by name); YAML wrappers are extracted into `tmpDir`. */
export function listCorpusLogs (corpus: string, tmpDir: string): CorpusLog[] {
  const logs: CorpusLog[] = []
  for (const dir of readdirSync(corpus).sort()) {
    const d = join(corpus, dir)
    if (!statSync(d).isDirectory()) continue
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f)
      if (!statSync(p).isFile() || f === 'SOURCES.md') continue
      const name = `${dir}/${f}`
      if (/^aucoalesce__testdata__.*\.yaml$/.test(f)) {
        const lines = extractYamlRecords(readFileSync(p, 'latin1'))
        const out = join(tmpDir, `${dir}__${f}.log`)
        writeFileSync(out, lines.join('\n') + '\n', 'latin1')
        logs.push({ name, path: out, fromYaml: true })
        continue
      }
      if (NOT_LOGS.some((re) => re.test(f))) continue
      logs.push({ name, path: p, fromYaml: false })
    }
  }
  return logs
}

/** The lines of a file as latin1 strings (index 0 = line 1), without `\n` / `\r`. */
export function fileLines (path: string): string[] {
  const text = readFileSync(path, 'latin1')
  const lines = text.split('\n')
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  return lines.map((l) => l.replace(/\r$/, ''))
}

/** Line number (1-based) of each byte offset that starts a line. */
export function lineStarts (path: string): Map<number, number> {
  const buf = readFileSync(path)
  const m = new Map<number, number>([[0, 1]])
  let n = 1
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 10) m.set(i + 1, ++n)
  }
  return m
}

// ---------------------------------------------------------------- values

/** A value from the python dump: a string, or bytes that are not valid UTF-8. */
export type PyValue = string | { hex: string } | null

export function pyBytes (v: PyValue): Buffer | undefined {
  if (v === null) return undefined
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.hex, 'hex')
}

const fatal = new TextDecoder('utf-8', { fatal: true })

function seqLen (b0: number): number {
  if (b0 >= 0xc2 && b0 <= 0xdf) return 2
  if (b0 >= 0xe0 && b0 <= 0xef) return 3
  if (b0 >= 0xf0 && b0 <= 0xf4) return 4
  return 0
}

/**
 * Decoded bytes the way auditship's JSON represents them (docs: src/parse/decode.ts module
 * comment, re-implemented here independently): valid UTF-8 → the string; otherwise every
 * byte that is not part of a valid UTF-8 sequence becomes `%XX` and `%` becomes `%25`.
 */
export function shipRepr (buf: Buffer): string {
  try {
    return fatal.decode(buf)
  } catch { /* not UTF-8: escape below */ }
  let out = ''
  for (let i = 0; i < buf.length;) {
    const b = buf[i]
    if (b < 0x80) { out += b === 0x25 ? '%25' : String.fromCharCode(b); i++; continue }
    const n = seqLen(b)
    if (n > 0 && i + n <= buf.length) {
      try {
        out += fatal.decode(buf.subarray(i, i + n))
        i += n
        continue
      } catch { /* invalid sequence */ }
    }
    out += '%' + b.toString(16).toUpperCase().padStart(2, '0')
    i++
  }
  return out
}

export function pyRepr (v: PyValue): string | undefined {
  const b = pyBytes(v)
  return b === undefined ? undefined : shipRepr(b)
}

// ---------------------------------------------------------------- auparse dump

export interface PyRecord {
  type: string | null
  typeNum: number | null
  nfields: number | null
  line: number | null
  fields: Array<[PyValue, PyValue]>
  interp: Record<string, PyValue>
  text: PyValue
}

export interface PyEvent {
  node: string | null
  sec: number | null
  milli: number | null
  serial: number | null
  records: PyRecord[]
}

/** the Debian interpreter with python3-audit; ORACLE_PYTHON=… exercises the skip path */
export const SYSTEM_PYTHON = process.env.ORACLE_PYTHON ?? '/usr/bin/python3'
export const DUMP_SCRIPT = fileURLToPath(new URL('auparse_dump.py', import.meta.url))

/** Why the auparse oracle cannot run here, or undefined when it can. */
export function auparseUnavailable (): string | undefined {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} not found`
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import auparse'], { encoding: 'utf8' })
  if (r.status !== 0) return `${SYSTEM_PYTHON} -c 'import auparse' failed (python3-audit not installed?): ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}`
  return undefined
}

/** Run the dump on all paths in one python process. */
export function auparseDump (paths: string[]): Record<string, { events?: PyEvent[], error?: string }> {
  const r = spawnSync(SYSTEM_PYTHON, [DUMP_SCRIPT, ...paths], { encoding: 'utf8', maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`auparse_dump.py exited ${String(r.status)}: ${r.stderr}`)
  return JSON.parse(r.stdout) as Record<string, { events?: PyEvent[], error?: string }>
}

// ---------------------------------------------------------------- our CLI

export interface ShipRecord {
  type: string
  fields: Record<string, string>
  enriched?: Record<string, string>
  escaped?: string[]
  text?: string
}

export interface ShipEvent {
  '@timestamp': string
  auditd: { sequence: number, node?: string, records: ShipRecord[], complete: boolean, [k: string]: unknown }
  process?: { args?: string[], title?: string, working_directory?: string, executable?: string, name?: string, [k: string]: unknown }
  [k: string]: unknown
}

export interface CliRun {
  status: number | null
  events: ShipEvent[]
  stderr: string
  summary: Record<string, number>
  /** the --errors NDJSON: one object per bad line */
  errors: Array<{ offset: number, code: string, reason: string, line: string }>
}

/** `node CLI convert --errors ERRFILE FILE`, asynchronously. */
export function runConvert (cli: string, file: string, errFile: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // without the test runner's NODE_OPTIONS (tap's process-info hook makes each run ~4x slower)
    const env = { ...process.env }
    delete env.NODE_OPTIONS
    const child = spawn(process.execPath, [cli, 'convert', '--errors', errFile, file], { stdio: ['ignore', 'pipe', 'pipe'], env })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    child.on('error', reject)
    child.on('close', (status) => {
      const stdout = Buffer.concat(out).toString('utf8')
      const stderr = Buffer.concat(err).toString('utf8')
      const summary: Record<string, number> = {}
      for (const m of stderr.matchAll(/\b([a-z_]+)=(\d+(?:\.\d+)?)\b/g)) summary[m[1]] = Number(m[2])
      let errors: CliRun['errors'] = []
      if (existsSync(errFile)) {
        errors = readFileSync(errFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as CliRun['errors'][number])
      }
      try {
        const events = stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ShipEvent)
        resolve({ status, events, stderr, summary, errors })
      } catch (e) {
        reject(e)
      }
    })
  })
}

/** Run `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R> (items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const res: R[] = new Array(items.length)
  let next = 0
  async function worker (): Promise<void> {
    while (next < items.length) {
      const i = next++
      res[i] = await fn(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return res
}

// ---------------------------------------------------------------- identities

/** Event identity as auparse compares it: node (or none), sec.milli, serial. */
export function eventId (node: string | null | undefined, sec: number | null, ms: number | null, serial: number | null): string {
  if (sec === null || ms === null || serial === null) return '(no timestamp)'
  return `${node === null || node === undefined ? '' : node + ' '}${sec}.${String(ms).padStart(3, '0')}:${serial}`
}

export function shipEventId (e: ShipEvent): string {
  const t = Date.parse(e['@timestamp'])
  return eventId(e.auditd.node, Math.floor(t / 1000), t % 1000, e.auditd.sequence)
}

// ---------------------------------------------------------------- synthetic log

const hex = (b: Buffer): string => b.toString('hex').toUpperCase()

/**
 * One execve event whose untrusted strings exercise what the corpus does not have: control
 * bytes, spaces, `%`, `\`, `"`, bytes that are not UTF-8, a UTF-8 character split across two
 * aN[i] chunks spread over three EXECVE records, PROCTITLE with NULs. Written as latin1 bytes.
 */
export function syntheticEdgeCaseLog (): string {
  const b = (s: string): Buffer => Buffer.from(s, 'latin1')
  const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8')
  const name = Buffer.concat([b('a b\t\n\r\x7f\\%"'), utf8('é'), b('\xff')])
  const arg1 = Buffer.concat([utf8('café '), b('\xfe%41')])
  const big = Buffer.concat([b('xxxxxxxxx'), utf8('€'), b('yyyyy')]) // € = E2 82 AC
  const bigHex = hex(big)
  const c0 = bigHex.slice(0, 20) // ends inside the €
  const c1 = bigHex.slice(20, 24)
  const c2 = bigHex.slice(24)
  const h = 'msg=audit(1700000000.000:100):'
  const lines = [
    `type=SYSCALL ${h} arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=${hex(b('my prog\xff'))} exe=${hex(Buffer.concat([b('/opt/my dir/'), utf8('€'), b('\xff')]))} key=(null)`,
    `type=EXECVE ${h} argc=4 a0="ls" a1=${hex(arg1)} a2_len=${bigHex.length} a2[0]=${c0}`,
    `type=EXECVE ${h}  a2[1]=${c1}`,
    `type=EXECVE ${h}  a2[2]=${c2} a3=${hex(b('100%'))}`,
    `type=CWD ${h} cwd=${hex(b('/tmp/\xff\xfe dir'))}`,
    `type=PATH ${h} item=0 name=${hex(name)} inode=1 dev=00:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL`,
    `type=PATH ${h} item=1 name=(null) inode=2 dev=00:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL`,
    `type=PROCTITLE ${h} proctitle=${hex(Buffer.concat([b('ls\0'), arg1, b('\0a\tb')]))}`,
    `type=EOE ${h}`,
  ]
  return lines.join('\n') + '\n'
}

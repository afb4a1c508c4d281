#!/usr/bin/env node
// Throughput / memory benchmark: auditship vs laurel on the same generated log.
//
//   npm run bench                      # build, then: node bench/run.mjs
//   node bench/run.mjs [--records N] [--seed S] [--runs R] [--keep] [--json]
//                      [--file PATH] [--tools auditship,laurel] [--regen] [--poll-ms MS]
//
// * Input: bench/out/audit-1m.log (1,000,000 records, seed 1), generated with
//   bench/generate.mjs when missing or when the generator changed (a sidecar
//   <file>.meta.json records the generator's hash and statistics). Another
//   --records/--seed uses bench/out/audit-<N>-s<S>.log, removed at the end unless
//   --keep. --file benchmarks an existing log instead (never removed).
// * auditship: `node <package.json auditship.nodeFlags> dist/cli/main.js convert FILE`
//   (what the bin's launcher line runs), stdout -> /dev/null; the
//   stderr summary `records=N events=N parse_errors=N` is parsed.
// * laurel (when on PATH): `laurel -c CFG` with FILE on stdin, JSON written to a
//   temporary directory (on /dev/shm when it has room, so no disk writeback)
//   that is deleted afterwards.
// * Each tool runs --runs times (default 3), alternating tools. Wall time is
//   measured from spawn to exit; peak RSS is the child's VmHWM from
//   /proc/<pid>/status, polled every --poll-ms (default 50) ms, last value read
//   before exit; CPU time from /proc/<pid>/stat the same way.
// * Reports best and median; rates use the input's record count and byte size
//   (MB = 10^6 bytes). Targets: auditship median records/s >= 2.0x laurel's
//   median, auditship peak RSS <= 100 MB over all runs. Exit status is 0 even if
//   a target is missed; it is 1 only if a tool failed to run.
// * e2e: `auditship run` with an elasticsearch sink (defaults: gzip, 1000-event batches) to a
//   `_bulk` endpoint in this process on loopback that reads each body and answers
//   errors:false; timed from spawn until the daemon's /metrics shows every record read and
//   nothing pending. Target: median records/s >= 1.0x laurel's.
//
// Adding a measured tool (e.g. an end-to-end figure with a sink) = adding an
// entry to TOOLS below: { id, label, available(), version(), run(input) }.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const OUT_DIR = path.join(HERE, 'out');
const GENERATOR = path.join(HERE, 'generate.mjs');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const DEFAULT_RECORDS = 1_000_000;
const DEFAULT_SEED = '1';
const TARGET_RATIO = 2.0;
const TARGET_RSS_MB = 100;
const TARGET_E2E_RATIO = 1.0;
const BUSY_CORES = 0.25; // other work above this (in cores) makes a run suspect

// ---------------------------------------------------------------- arguments

class UsageError extends Error {}

function parseCount(s, name) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(s).replace(/_/g, ''));
  if (!m) throw new UsageError(`${name}: not a number: ${s}`);
  return Math.round(Number(m[1]) * { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]]);
}

function parseArgs(argv) {
  const o = { records: DEFAULT_RECORDS, seed: DEFAULT_SEED, runs: 3, keep: false, json: false, file: null,
    tools: null, regen: false, pollMs: 50 };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    const val = () => {
      const x = v !== undefined ? v : argv[++i];
      if (x === undefined) throw new UsageError(`${a} needs a value`);
      return x;
    };
    switch (a) {
      case '--records': o.records = parseCount(val(), a); break;
      case '--seed': o.seed = String(val()); break;
      case '--runs': o.runs = parseCount(val(), a); break;
      case '--keep': o.keep = true; break;
      case '--json': o.json = true; break;
      case '--file': o.file = path.resolve(val()); break;
      case '--tools': o.tools = val().split(',').map((t) => t.trim()).filter(Boolean); break;
      case '--regen': o.regen = true; break;
      case '--poll-ms': o.pollMs = parseCount(val(), a); break;
      case '--help': case '-h':
        process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n')
          .filter((l) => l.startsWith('//')).slice(0, 30).map((l) => l.slice(3)).join('\n') + '\n');
        process.exit(0);
        break;
      default: throw new UsageError(`unknown argument: ${a} (see --help)`);
    }
  }
  if (o.runs < 1) throw new UsageError('--runs must be >= 1');
  if (o.records < 1) throw new UsageError('--records must be >= 1');
  return o;
}

const log = (...a) => process.stderr.write(a.join(' ') + '\n');

// ---------------------------------------------------------------- input file

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16);
}

function countLabel(n) {
  if (n % 1_000_000 === 0) return `${n / 1_000_000}m`;
  if (n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}

async function prepareInput(o) {
  if (o.file) {
    const st = fs.statSync(o.file);
    log(`input: ${o.file} (${st.size} bytes), counting records...`);
    const records = await countLines(o.file);
    return { file: o.file, records, bytes: st.size, events: null, generated: false, temporary: false };
  }
  const isDefault = o.records === DEFAULT_RECORDS && o.seed === DEFAULT_SEED;
  const file = path.join(OUT_DIR, isDefault ? 'audit-1m.log' : `audit-${countLabel(o.records)}-s${o.seed}.log`);
  const metaFile = `${file}.meta.json`;
  const genHash = sha256(GENERATOR);
  let meta = null;
  try { meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')); } catch { /* regenerate */ }
  const fresh = meta && fs.existsSync(file) && meta.generator === genHash && meta.stats.records === o.records
    && meta.stats.seed === o.seed && fs.statSync(file).size === meta.stats.bytes;
  if (!fresh || o.regen) {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    log(`generating ${file} (${o.records} records, seed ${o.seed})...`);
    const tmp = `${file}.tmp`;
    const r = spawnSync(process.execPath, [GENERATOR, '--records', String(o.records), '--seed', o.seed, '--out', tmp, '--stats'],
      { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'], maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`generator failed (${r.status ?? r.signal}): ${r.stderr}`);
    const [summary, ...rest] = r.stderr.split('\n');
    log(summary);
    const stats = JSON.parse(rest.join('\n'));
    fs.renameSync(tmp, file);
    meta = { generator: genHash, createdAt: new Date().toISOString(), stats };
    fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
  } else {
    log(`input: ${file} (cached, generator ${genHash})`);
  }
  return { file, metaFile, records: meta.stats.records, events: meta.stats.events, bytes: meta.stats.bytes,
    maxLine: meta.stats.maxLine, seed: meta.stats.seed, generated: true, temporary: !isDefault && !o.keep };
}

function countLines(file) {
  return new Promise((resolve, reject) => {
    let n = 0;
    fs.createReadStream(file, { highWaterMark: 1 << 20 })
      .on('data', (b) => { for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++; })
      .on('end', () => resolve(n))
      .on('error', reject);
  });
}

// read once so every run starts with the file in the page cache
function warmCache(file) {
  return new Promise((resolve, reject) => {
    fs.createReadStream(file, { highWaterMark: 4 << 20 }).on('data', () => {}).on('end', resolve).on('error', reject);
  });
}

// ---------------------------------------------------------------- measuring

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux/x86_64

// busy CPU ticks of the whole machine (all CPUs): user+nice+system+irq+softirq+steal
function systemBusyTicks() {
  try {
    const f = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0);
  } catch { return null; }
}

// CPU (in cores) used by everything else on the machine over `ms`
async function idleCheck(ms = 1000) {
  const b0 = systemBusyTicks();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, ms));
  const b1 = systemBusyTicks();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return b0 == null || b1 == null ? null : (b1 - b0) / CLK_TCK / secs;
}

function readProc(pid) {
  let rssKb = null, cpuTicks = null;
  try {
    const st = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /VmHWM:\s+(\d+) kB/.exec(st);
    if (m) rssKb = Number(m[1]);
  } catch { /* gone */ }
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    cpuTicks = Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
  } catch { /* gone */ }
  return { rssKb, cpuTicks };
}

// Spawn a command, measure wall time (spawn -> exit), peak RSS (VmHWM) and CPU
// time by polling /proc/<pid>; stdout is discarded unless stdoutFile is given.
//
// stopWhen(child), if given, is started after the spawn; when it resolves the child gets
// SIGTERM and the wall time ends there (a daemon does not exit at the end of its input).
function measure(cmd, args, { stdinFile = null, cwd = ROOT, pollMs = 50, env = process.env, stopWhen = null } = {}) {
  return new Promise((resolve, reject) => {
    const stdinFd = stdinFile ? fs.openSync(stdinFile, 'r') : 'ignore';
    const busy0 = systemBusyTicks();
    const t0 = process.hrtime.bigint();
    let child;
    try {
      child = spawn(cmd, args, { cwd, env, stdio: [stdinFd, 'ignore', 'pipe'] });
    } finally {
      if (typeof stdinFd === 'number') fs.closeSync(stdinFd);
    }
    let peakKb = 0, cpuTicks = 0, tExit = null, tDone = null;
    if (stopWhen) stopWhen(child).then(() => { tDone = process.hrtime.bigint(); poll(); child.kill('SIGTERM'); }, (err) => { chunks.push(Buffer.from(`bench: ${err.message}\n`)); child.kill('SIGKILL'); });
    const poll = () => {
      if (!child.pid || tExit !== null) return;
      const p = readProc(child.pid);
      if (p.rssKb !== null && p.rssKb > peakKb) peakKb = p.rssKb;
      if (p.cpuTicks !== null && !Number.isNaN(p.cpuTicks)) cpuTicks = p.cpuTicks;
    };
    const timer = setInterval(poll, pollMs);
    setImmediate(poll);
    const chunks = [];
    child.stderr.on('data', (b) => chunks.push(b));
    child.on('error', (err) => { clearInterval(timer); reject(err); });
    let busy1 = null;
    child.on('exit', () => { tExit = process.hrtime.bigint(); busy1 = systemBusyTicks(); clearInterval(timer); });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      const end = tDone ?? tExit ?? process.hrtime.bigint();
      const wallMs = Number(end - t0) / 1e6;
      // machine-wide busy CPU minus the child's own = interference from other work (in cores)
      const other = busy0 != null && busy1 != null && cpuTicks ? Math.max(0, (busy1 - busy0 - cpuTicks) / CLK_TCK / (wallMs / 1000)) : null;
      resolve({ code, signal, wallMs, peakRssKb: peakKb || null, otherCpuCores: other == null ? null : round(other, 2),
        cpuMs: cpuTicks ? (cpuTicks * 1000) / CLK_TCK : null, stderr: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

function which(bin) {
  for (const dir of (process.env.PATH || '').split(':')) {
    if (!dir) continue;
    const p = path.join(dir, bin);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
}

// ---------------------------------------------------------------- tools

const ours = {
  id: 'auditship',
  label: 'auditship convert',
  available() {
    return fs.existsSync(CLI) ? true : `${path.relative(ROOT, CLI)} not found (run npm run build)`;
  },
  version() {
    try { return JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version; } catch { return '?'; }
  },
  async run(input, o) {
    // run it the way the installed bin runs (its launcher line carries package.json's auditship.nodeFlags)
    const cfg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).auditship ?? {};
    const r = await measure(process.execPath, [...(cfg.nodeFlags ?? []), CLI, 'convert', input.file], { pollMs: o.pollMs, env: { ...process.env, ...(cfg.nodeEnv ?? {}) } });
    const m = /records=(\d+)\s+events=(\d+)\s+parse_errors=(\d+)/.exec(r.stderr);
    const res = { ...base(r), records: m ? Number(m[1]) : null, events: m ? Number(m[2]) : null,
      parseErrors: m ? Number(m[3]) : null, outBytes: null };
    if (r.code !== 0) res.error = `exit ${r.code ?? r.signal}: ${tailOf(r.stderr)}`;
    else if (!m) res.warning = `no "records=N events=N parse_errors=N" summary on stderr: ${tailOf(r.stderr)}`;
    return res;
  },
};

const laurel = {
  id: 'laurel',
  label: 'laurel',
  bin: null,
  available() {
    this.bin = which('laurel');
    return this.bin ? true : 'laurel not on PATH';
  },
  version() {
    const r = spawnSync(this.bin, ['--version'], { encoding: 'utf8' });
    return (r.stdout || r.stderr || '').trim().split('\n')[0] || '?';
  },
  async run(input, o) {
    // tmpfs when available: no disk writeback for laurel's JSON (ours goes to /dev/null)
    const dir = fs.mkdtempSync(path.join(laurelTmpRoot(), 'auditship-bench-laurel-'));
    try {
      const cfg = path.join(dir, 'laurel.toml');
      fs.writeFileSync(cfg, [
        `directory = "${dir}"`,
        'user = "root"',
        'statusreport-period = 0',
        '[auditlog]',
        'file = "out.log"',
        'size = 100000000000',
        'generations = 2',
        '[transform]',
        'execve-argv = [ "array" ]',
        '[translate]',
        'universal = false',
        'user-db = false',
        '[enrich]',
        'pid = true',
        '',
      ].join('\n'));
      const r = await measure(this.bin, ['-c', cfg], { stdinFile: input.file, cwd: dir, pollMs: o.pollMs });
      const out = path.join(dir, 'out.log');
      const outBytes = fs.existsSync(out) ? fs.statSync(out).size : null;
      const events = fs.existsSync(out) ? await countLines(out) : null;
      const m = /processed (\d+) lines (\d+) events with (\d+) errors/.exec(r.stderr);
      const res = { ...base(r), records: m ? Number(m[1]) : null, events, parseErrors: m ? Number(m[3]) : null, outBytes };
      if (r.code !== 0) res.error = `exit ${r.code ?? r.signal}: ${tailOf(r.stderr)}`;
      return res;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

function laurelTmpRoot() {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    if (fs.statfsSync && fs.statfsSync('/dev/shm').bavail * fs.statfsSync('/dev/shm').bsize > 4 * 2 ** 30) return '/dev/shm';
  } catch { /* fall back */ }
  return os.tmpdir();
}

// Future: an end-to-end figure (e.g. auditship tailing into a sink) goes here.
// End to end: `auditship run` from the log to an Elasticsearch `_bulk` endpoint on loopback
// that does no work (reads the body, answers errors:false). Done when every record is read
// and no event is pending (read from the daemon's /metrics every 50 ms).
const endToEnd = {
  id: 'e2e',
  label: 'auditship run → _bulk',
  available: ours.available,
  version: ours.version,
  async run(input, o) {
    const http = await import('node:http');
    let requests = 0;
    const sink = http.createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => { requests++; res.writeHead(200, { 'content-type': 'application/json' }).end('{"took":0,"errors":false,"items":[]}'); });
    });
    const metricsPort = await freePort();
    await new Promise((r) => sink.listen(0, '127.0.0.1', r));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auditship-bench-e2e-'));
    try {
      const cfg = path.join(dir, 'auditship.yaml');
      fs.writeFileSync(cfg, `source: { path: ${input.file}, read_from: beginning }
correlate: { idle_timeout_ms: 100 }
state_dir: ${dir}/state
sinks:
  - type: elasticsearch
    endpoints: [http://127.0.0.1:${sink.address().port}]
server: { enabled: true, listen: 127.0.0.1:${metricsPort} }
log: { level: warn }
`);
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).auditship ?? {};
      let last = {};
      const stopWhen = async (child) => {
        for (;;) {
          await new Promise((r) => setTimeout(r, 50));
          if (child.exitCode !== null || child.signalCode !== null) throw new Error('the daemon exited');
          const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()).catch(() => '');
          const num = (re) => { const m = re.exec(text); return m ? Number(m[1]) : null; };
          last = { records: num(/^auditship_records_read_total (\d+)/m), events: num(/^auditship_events_total (\d+)/m),
            pending: num(/^auditship_pending_events (\d+)/m), errors: num(/^auditship_parse_errors_total (\d+)/m),
            sent: num(/^auditship_sink_events_sent_total\{[^}]*\} (\d+)/m) };
          if (last.records === input.records && last.pending === 0 && last.sent === last.events) return;
        }
      };
      const r = await measure(process.execPath, [...(pkg.nodeFlags ?? []), CLI, 'run', '--config', cfg], { pollMs: o.pollMs, env: { ...process.env, ...(pkg.nodeEnv ?? {}) }, stopWhen });
      const res = { ...base(r), records: last.records, events: last.sent, parseErrors: last.errors, outBytes: null, requests };
      if (r.code !== 0 && r.signal !== 'SIGTERM') res.error = `exit ${r.code ?? r.signal}: ${tailOf(r.stderr)}`;
      else if (last.records !== input.records) res.error = `stopped before the end: ${JSON.stringify(last)} ${tailOf(r.stderr)}`;
      return res;
    } finally {
      sink.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

async function freePort() {
  const net = await import('node:net');
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

const TOOLS = [ours, endToEnd, laurel];

function base(r) {
  return { wallMs: r.wallMs, peakRssKb: r.peakRssKb, cpuMs: r.cpuMs, otherCpuCores: r.otherCpuCores, exitCode: r.code, signal: r.signal };
}
function tailOf(s) { return s.trim().split('\n').slice(-3).join(' | ').slice(0, 400); }

// ---------------------------------------------------------------- report

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function summarize(runs, input) {
  const ok = runs.filter((r) => !r.error);
  if (!ok.length) return null;
  const walls = ok.map((r) => r.wallMs / 1000);
  const best = Math.min(...walls), med = median(walls);
  const rss = ok.map((r) => r.peakRssKb).filter((x) => x != null);
  const cpu = ok.map((r) => r.cpuMs).filter((x) => x != null);
  const last = ok[ok.length - 1];
  return {
    runs: ok.length,
    wallSeconds: { best: round(best, 3), median: round(med, 3), all: walls.map((w) => round(w, 3)) },
    recordsPerSecond: { best: Math.round(input.records / best), median: Math.round(input.records / med) },
    mbPerSecond: { best: round(input.bytes / 1e6 / best, 1), median: round(input.bytes / 1e6 / med, 1) },
    peakRssMB: rss.length ? { max: round((Math.max(...rss) * 1024) / 1e6, 1), median: round((median(rss) * 1024) / 1e6, 1) } : null,
    cpuSeconds: cpu.length ? { median: round(median(cpu) / 1000, 2) } : null,
    otherCpuCores: (() => { const x = ok.map((r) => r.otherCpuCores).filter((v) => v != null); return x.length ? { median: round(median(x), 2), max: Math.max(...x) } : null; })(),
    records: last.records, events: last.events, parseErrors: last.parseErrors, outputBytes: last.outBytes,
    warnings: [...new Set(ok.map((r) => r.warning).filter(Boolean))],
  };
}

function round(x, d) { const f = 10 ** d; return Math.round(x * f) / f; }

function machine(laurelVersion) {
  let cpu = '?';
  try { cpu = (/^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8')) || [])[1] || '?'; } catch { /* */ }
  let distro = '?';
  try { distro = (/^PRETTY_NAME="?([^"\n]+)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8')) || [])[1] || '?'; } catch { /* */ }
  return {
    cpu, cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    memGiB: round(os.totalmem() / 2 ** 30, 1), kernel: os.release(), os: distro,
    node: process.version, laurel: laurelVersion ?? null,
  };
}

function table(rows) {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r, ri) => {
    const line = r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
    return ri === 0 ? `${line}\n${w.map((n) => '-'.repeat(n)).join('  ')}` : line;
  }).join('\n');
}

const fmtInt = (n) => (n == null ? '-' : Math.round(n).toLocaleString('en-US'));

function report(res) {
  const L = [];
  const m = res.machine;
  L.push(`machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}, Linux ${m.kernel}, node ${m.node}, laurel ${m.laurel ?? 'n/a'}`);
  const inp = res.input;
  const others = Object.values(res.tools).map((t) => t.summary?.otherCpuCores?.max).filter((x) => x != null);
  const worst = others.length ? Math.max(...others) : null;
  L.push(`noise:   other CPU use ${res.idleBefore?.otherCpuCores ?? '?'} cores before start, max ${worst ?? '?'} cores during a run`
    + `${worst > BUSY_CORES || res.idleBefore?.otherCpuCores > BUSY_CORES ? ' — BUSY machine: figures are distorted' : ' (quiet)'}`);
  L.push(`input:   ${inp.file.startsWith(ROOT + path.sep) ? path.relative(ROOT, inp.file) : inp.file}: ${fmtInt(inp.records)} records, ${inp.events != null ? fmtInt(inp.events) + ' events, ' : ''}`
    + `${round(inp.bytes / 1e6, 1)} MB${inp.seed ? `, seed ${inp.seed}` : ''}; ${res.runs} run(s) per tool; MB = 10^6 bytes`);
  L.push('');
  const rows = [['tool', 'runs', 'wall best s', 'wall median s', 'records/s best', 'records/s median', 'MB/s median', 'peak RSS MB', 'CPU s', 'events out', 'ratio vs laurel']];
  const lr = res.tools.laurel?.summary;
  for (const [id, t] of Object.entries(res.tools)) {
    const s = t.summary;
    if (!s) { rows.push([id, 0, t.skipped ? `skipped: ${t.skipped}` : `FAILED: ${t.error}`, '', '', '', '', '', '', '', '']); continue; }
    const ratio = lr && id !== 'laurel' ? `${round(s.recordsPerSecond.median / lr.recordsPerSecond.median, 2)}x` : '';
    rows.push([id, s.runs, s.wallSeconds.best.toFixed(2), s.wallSeconds.median.toFixed(2), fmtInt(s.recordsPerSecond.best),
      fmtInt(s.recordsPerSecond.median), s.mbPerSecond.median.toFixed(1), s.peakRssMB ? s.peakRssMB.max.toFixed(1) : '-',
      s.cpuSeconds ? s.cpuSeconds.median.toFixed(1) : '-', fmtInt(s.events), ratio]);
  }
  L.push(table(rows));
  L.push('');
  for (const [id, t] of Object.entries(res.tools)) {
    const s = t.summary;
    if (!s) continue;
    const extra = [];
    if (s.records != null) extra.push(`records reported ${fmtInt(s.records)}${s.records !== inp.records ? ` (input has ${fmtInt(inp.records)}!)` : ''}`);
    if (s.parseErrors != null) extra.push(`parse errors ${fmtInt(s.parseErrors)}`);
    if (s.outputBytes != null) extra.push(`output ${round(s.outputBytes / 1e6, 1)} MB`);
    extra.push(`walls ${s.wallSeconds.all.join(', ')} s`);
    L.push(`${id}: ${extra.join('; ')}`);
    for (const w of s.warnings) L.push(`${id}: warning: ${w}`);
  }
  L.push('');
  L.push(`target ≥${TARGET_RATIO.toFixed(1)}× laurel: ${res.targets.ratio.met ? 'MET' : 'NOT MET'} (${res.targets.ratio.detail})`);
  L.push(`target end to end (log → _bulk) ≥${TARGET_E2E_RATIO.toFixed(1)}× laurel: ${res.targets.e2e.met ? 'MET' : 'NOT MET'} (${res.targets.e2e.detail})`);
  L.push(`peak RSS ≤${TARGET_RSS_MB} MB: ${res.targets.rss.met ? 'MET' : 'NOT MET'} (${res.targets.rss.detail})`);
  return L.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const tools = TOOLS.filter((t) => !o.tools || o.tools.includes(t.id));
  if (o.tools) for (const id of o.tools) if (!TOOLS.some((t) => t.id === id)) throw new UsageError(`unknown tool ${id}; known: ${TOOLS.map((t) => t.id).join(', ')}`);

  const input = await prepareInput(o);
  const res = { machine: null, input: { file: input.file, records: input.records, events: input.events, bytes: input.bytes,
    maxLine: input.maxLine ?? null, seed: input.seed ?? null }, runs: o.runs, tools: {}, targets: null, date: new Date().toISOString() };
  let failed = false;
  try {
    const active = [];
    for (const t of tools) {
      const a = t.available();
      if (a === true) { active.push(t); res.tools[t.id] = { version: t.version(), runs: [], summary: null }; }
      else { res.tools[t.id] = { skipped: a, summary: null }; log(`${t.id}: skipped (${a})`); }
    }
    res.machine = machine(res.tools.laurel?.version);
    log('warming the page cache...');
    await warmCache(input.file);
    res.idleBefore = { otherCpuCores: await idleCheck(), loadavg: os.loadavg().map((x) => round(x, 2)) };
    if (res.idleBefore.otherCpuCores != null) res.idleBefore.otherCpuCores = round(res.idleBefore.otherCpuCores, 2);
    if (res.idleBefore.otherCpuCores > BUSY_CORES) log(`warning: the machine is busy (${res.idleBefore.otherCpuCores} cores in use before starting) — figures will be distorted`);
    for (let i = 0; i < o.runs; i++) {
      for (const t of active) { // alternate tools so drift affects both alike
        const r = await t.run(input, o);
        res.tools[t.id].runs.push(r);
        log(`${t.id} run ${i + 1}/${o.runs}: ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${r.peakRssKb ? round((r.peakRssKb * 1024) / 1e6, 1) + ' MB' : '?'}`
          + `${r.records != null ? `, records=${r.records}` : ''}${r.events != null ? ` events=${r.events}` : ''}`
          + `${r.parseErrors != null ? ` errors=${r.parseErrors}` : ''}${r.otherCpuCores != null ? `, other CPU ${r.otherCpuCores} cores` : ''}`
          + `${r.error ? ` ERROR ${r.error}` : ''}`);
        if (r.error) failed = true;
      }
    }
    for (const t of active) {
      res.tools[t.id].summary = summarize(res.tools[t.id].runs, input);
      if (!res.tools[t.id].summary) res.tools[t.id].error = res.tools[t.id].runs.map((r) => r.error).find(Boolean);
    }
  } finally {
    if (input.temporary) {
      fs.rmSync(input.file, { force: true });
      if (input.metaFile) fs.rmSync(input.metaFile, { force: true });
    }
  }

  const os_ = res.tools.auditship?.summary, ls = res.tools.laurel?.summary;
  const ratio = os_ && ls ? os_.recordsPerSecond.median / ls.recordsPerSecond.median : null;
  res.ratio = ratio == null ? null : { median: round(ratio, 2), best: round(os_.recordsPerSecond.best / ls.recordsPerSecond.best, 2) };
  res.targets = {
    ratio: ratio == null
      ? { met: false, detail: `not measured: ${!os_ ? `auditship ${res.tools.auditship?.skipped ?? res.tools.auditship?.error ?? 'not run'}` : `laurel ${res.tools.laurel?.skipped ?? res.tools.laurel?.error ?? 'not run'}`}` }
      : { met: ratio >= TARGET_RATIO, detail: `median records/s ${round(ratio, 2)}× laurel (best ${res.ratio.best}×)` },
    e2e: res.tools.e2e?.summary && ls
      ? { met: res.tools.e2e.summary.recordsPerSecond.median >= ls.recordsPerSecond.median * TARGET_E2E_RATIO,
          detail: `median records/s ${round(res.tools.e2e.summary.recordsPerSecond.median / ls.recordsPerSecond.median, 2)}× laurel's convert` }
      : { met: false, detail: 'not measured' },
    rss: os_?.peakRssMB
      ? { met: os_.peakRssMB.max <= TARGET_RSS_MB, detail: `auditship max ${os_.peakRssMB.max} MB over ${os_.runs} run(s)` }
      : { met: false, detail: 'not measured' },
  };
  const text = report(res);
  if (o.json) {
    log(text);
    process.stdout.write(JSON.stringify(res, (k, v) => (k === 'stderr' ? undefined : v), 2) + '\n');
  } else {
    process.stdout.write(text + '\n');
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => { log(`bench: ${err instanceof UsageError ? err.message : err.stack || err}`); process.exit(err instanceof UsageError ? 2 : 1); });

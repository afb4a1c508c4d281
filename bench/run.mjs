#!/usr/bin/env node
// Benchmark of auditship against laurel on three generated workloads, every target of issue 13
// in one table (MET / NOT MET). Exit status 0 even when a target is missed; 1 only when a tool
// failed to run.
//
//   npm run bench                      # build, then: node bench/run.mjs
//   node bench/run.mjs [--records N] [--seed S] [--runs R] [--workloads syscall,bastion,exec]
//                      [--quick] [--paced-seconds S] [--idle-seconds S] [--rates 100,1000,10000]
//                      [--no-paced] [--no-e2e] [--tools convert,laurel,bulk,hec,lean] [--regen] [--json] [--poll-ms MS]
//
// * Workloads (bench/generate.mjs --profile, deterministic seeds): syscall (syscall-heavy, 4.3
//   records per event), bastion (login host: SSH / Teleport sessions, PAM, sudo, cron, EOE on
//   disk, ~2.5 records per event), exec (execve with long and split arguments, hex proctitle).
//   Files: bench/out/audit-<profile>-<N>-s<S>.log, kept and reused while the generator is
//   unchanged (a sidecar .meta.json holds its hash and statistics).
// * Per workload and run, alternating: `auditship convert` (full documents), laurel (-c CFG,
//   the log on stdin), `auditship run` → loopback Elasticsearch `_bulk` (gzip, defaults), and
//   `auditship run` → loopback Splunk HEC. Both converters write to a file on /dev/shm (when it
//   has room) and the output size is measured. `auditship convert --records compact|none` run
//   once per workload for the lean-document figures.
// * Wall time spawn → exit (e2e: spawn → /metrics shows every record read and delivered).
//   Peak RSS: VmHWM from /proc/<pid>/status, CPU: utime+stime from /proc/<pid>/stat, polled
//   every --poll-ms (default 50) ms.
// * Plugin mode (paced): both tools read stdin, fed by a writer in this process at a steady
//   rate of events/s (the workload's records, paced by its records/event, written every 10 ms)
//   for --paced-seconds (default 60; --quick: 15), then stdin is closed and the tool drains and
//   exits. CPU-seconds from spawn to exit, start-up included. auditship: `run` with
//   source.stdin and a file sink; laurel: its default file output. Bastion and exec at every
//   rate in --rates (default 100,1000,10000).
// * Idle: both tools started on an open, silent stdin; CPU-seconds per minute after a 3 s
//   settle, over --idle-seconds (default 60; --quick: 15).
// * Targets: convert records/s ≥ 2.0× laurel's (median of runs) and peak RSS ≤ 100 MB per
//   workload; e2e (_bulk and HEC) records/s ≥ 1.0× laurel's convert and peak RSS ≤ 100 MB;
//   plugin mode at 1,000 events/s ≤ 0.5× laurel's CPU-seconds (bastion and exec). 100 and
//   10,000 events/s, idle cost and output bytes per input byte are reported (no target).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const OUT_DIR = path.join(HERE, 'out');
const GENERATOR = path.join(HERE, 'generate.mjs');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const WORKLOADS = ['syscall', 'bastion', 'exec'];
const PACED_WORKLOADS = ['bastion', 'exec'];
const TARGET_RATIO = 2.0;
const TARGET_RSS_MB = 100;
const TARGET_E2E_RATIO = 1.0;
const TARGET_CPU_RATIO = 0.5;
const TARGET_RATE = 1000;
const BUSY_CORES = 0.25; // other work above this (in cores) makes a run suspect
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
// BENCH_NODE_FLAGS: extra flags for auditship's node (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof)
// BENCH_EXTRA_YAML: more top-level config for auditship's plugin-mode runs (e.g. "checkpoint: { after_delivery_ms: 1000 }")
const EXTRA_YAML = process.env.BENCH_EXTRA_YAML ? `${process.env.BENCH_EXTRA_YAML}\n` : '';
const NODE_FLAGS = [...(PKG.auditship?.nodeFlags ?? []), ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
const NODE_ENV = { ...process.env, ...(PKG.auditship?.nodeEnv ?? {}) };

// ---------------------------------------------------------------- arguments

class UsageError extends Error {}

function parseCount(s, name) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(s).replace(/_/g, ''));
  if (!m) throw new UsageError(`${name}: not a number: ${s}`);
  return Math.round(Number(m[1]) * { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]]);
}

function parseArgs(argv) {
  const o = { records: 1_000_000, seed: '1', runs: 3, json: false, regen: false, pollMs: 50,
    workloads: WORKLOADS, pacedSeconds: null, idleSeconds: null, rates: [100, 1000, 10000], paced: true, e2e: true, quick: false };
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
    const list = () => val().split(',').map((t) => t.trim()).filter(Boolean);
    switch (a) {
      case '--records': o.records = parseCount(val(), a); break;
      case '--seed': o.seed = String(val()); break;
      case '--runs': o.runs = parseCount(val(), a); break;
      case '--json': o.json = true; break;
      case '--regen': o.regen = true; break;
      case '--poll-ms': o.pollMs = parseCount(val(), a); break;
      case '--workloads': o.workloads = list(); break;
      case '--quick': o.quick = true; break;
      case '--paced-seconds': o.pacedSeconds = parseCount(val(), a); break;
      case '--idle-seconds': o.idleSeconds = parseCount(val(), a); break;
      case '--rates': o.rates = list().map((x) => parseCount(x, a)); break;
      case '--no-paced': o.paced = false; break;
      case '--no-e2e': o.e2e = false; break;
      case '--tools': o.tools = list(); break;
      case '--help': case '-h':
        process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n')
          .filter((l) => l.startsWith('//')).slice(0, 40).map((l) => l.slice(3)).join('\n') + '\n');
        process.exit(0);
        break;
      default: throw new UsageError(`unknown argument: ${a} (see --help)`);
    }
  }
  for (const w of o.workloads) if (!WORKLOADS.includes(w)) throw new UsageError(`unknown workload ${w}; known: ${WORKLOADS.join(', ')}`);
  if (o.runs < 1) throw new UsageError('--runs must be >= 1');
  if (o.records < 1) throw new UsageError('--records must be >= 1');
  o.pacedSeconds ??= o.quick ? 15 : 60;
  o.idleSeconds ??= o.quick ? 15 : 60;
  return o;
}

const log = (...a) => process.stderr.write(a.join(' ') + '\n');

// ---------------------------------------------------------------- input files

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16);
}

function countLabel(n) {
  if (n % 1_000_000 === 0) return `${n / 1_000_000}m`;
  if (n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}

async function prepareInput(profile, o) {
  const file = path.join(OUT_DIR, `audit-${profile}-${countLabel(o.records)}-s${o.seed}.log`);
  const metaFile = `${file}.meta.json`;
  const genHash = sha256(GENERATOR);
  let meta = null;
  try { meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')); } catch { /* regenerate */ }
  const fresh = meta && fs.existsSync(file) && meta.generator === genHash && meta.stats.records === o.records
    && meta.stats.seed === o.seed && fs.statSync(file).size === meta.stats.bytes;
  if (!fresh || o.regen) {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    log(`generating ${path.relative(ROOT, file)} (${profile}, ${o.records} records, seed ${o.seed})...`);
    const tmp = `${file}.tmp`;
    const r = spawnSync(process.execPath, [GENERATOR, '--records', String(o.records), '--seed', o.seed, '--profile', profile, '--out', tmp, '--stats'],
      { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'], maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`generator failed (${r.status ?? r.signal}): ${r.stderr}`);
    const [summary, ...rest] = r.stderr.split('\n');
    log(summary);
    const stats = JSON.parse(rest.join('\n'));
    fs.renameSync(tmp, file);
    meta = { generator: genHash, createdAt: new Date().toISOString(), stats };
    fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
  } else {
    log(`input: ${path.relative(ROOT, file)} (cached, generator ${genHash})`);
  }
  return { profile, file, records: meta.stats.records, events: meta.stats.events, bytes: meta.stats.bytes, seed: meta.stats.seed };
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

function warmCache(file) {
  return new Promise((resolve, reject) => {
    fs.createReadStream(file, { highWaterMark: 4 << 20 }).on('data', () => {}).on('end', resolve).on('error', reject);
  });
}

// ---------------------------------------------------------------- measuring

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux/x86_64

function systemBusyTicks() {
  try {
    const f = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0);
  } catch { return null; }
}

async function idleCheck(ms = 1000) {
  const b0 = systemBusyTicks();
  const t0 = process.hrtime.bigint();
  await sleep(ms);
  const b1 = systemBusyTicks();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return b0 == null || b1 == null ? null : round((b1 - b0) / CLK_TCK / secs, 2);
}

function readProc(pid) {
  let rssKb = null, cpuTicks = null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    if (m) rssKb = Number(m[1]);
  } catch { /* gone */ }
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    cpuTicks = Number(f[11]) + Number(f[12]); // utime + stime
  } catch { /* gone */ }
  return { rssKb, cpuTicks };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Spawn, measure wall (spawn → exit, or → stopWhen), peak RSS and CPU by polling /proc.
// stdin: a file path, 'pipe' (then feed(child) writes it), or null. stdout: a file path or null.
// stopWhen(child) resolves when a daemon is done: it then gets SIGTERM.
function measure(cmd, args, { stdin = null, stdout = null, cwd = ROOT, pollMs = 50, env = process.env, stopWhen = null, feed = null } = {}) {
  return new Promise((resolve, reject) => {
    const inFd = stdin && stdin !== 'pipe' ? fs.openSync(stdin, 'r') : stdin === 'pipe' ? 'pipe' : 'ignore';
    const outFd = stdout ? fs.openSync(stdout, 'w') : 'ignore';
    const busy0 = systemBusyTicks();
    const t0 = process.hrtime.bigint();
    let child;
    try {
      child = spawn(cmd, args, { cwd, env, stdio: [inFd, outFd, 'pipe'] });
    } finally {
      if (typeof inFd === 'number') fs.closeSync(inFd);
      if (typeof outFd === 'number') fs.closeSync(outFd);
    }
    let peakKb = 0, cpuTicks = 0, tExit = null, tDone = null;
    const chunks = [];
    const poll = () => {
      if (!child.pid || tExit !== null) return;
      const p = readProc(child.pid);
      if (p.rssKb !== null && p.rssKb > peakKb) peakKb = p.rssKb;
      if (p.cpuTicks !== null && !Number.isNaN(p.cpuTicks)) cpuTicks = p.cpuTicks;
    };
    child.cpuNow = () => { poll(); return cpuTicks / CLK_TCK; };
    if (stopWhen) stopWhen(child).then(() => { tDone = process.hrtime.bigint(); poll(); child.kill('SIGTERM'); }, (err) => { chunks.push(Buffer.from(`bench: ${err.message}\n`)); child.kill('SIGKILL'); });
    if (feed) feed(child).catch((err) => { chunks.push(Buffer.from(`bench: feed: ${err.message}\n`)); child.kill('SIGKILL'); });
    const timer = setInterval(poll, pollMs);
    setImmediate(poll);
    child.stderr.on('data', (b) => chunks.push(b));
    child.on('error', (err) => { clearInterval(timer); reject(err); });
    let busy1 = null;
    child.on('exit', () => { tExit = process.hrtime.bigint(); busy1 = systemBusyTicks(); clearInterval(timer); });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      const end = tDone ?? tExit ?? process.hrtime.bigint();
      const wallMs = Number(end - t0) / 1e6;
      const other = busy0 != null && busy1 != null && cpuTicks ? Math.max(0, (busy1 - busy0 - cpuTicks) / CLK_TCK / (wallMs / 1000)) : null;
      resolve({ code, signal, wallMs, peakRssKb: peakKb || null, otherCpuCores: other == null ? null : round(other, 2),
        cpuMs: cpuTicks ? (cpuTicks * 1000) / CLK_TCK : 0, stderr: Buffer.concat(chunks).toString('utf8') });
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

function tmpRoot() {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    const st = fs.statfsSync('/dev/shm');
    if (st.bavail * st.bsize > 4 * 2 ** 30) return '/dev/shm';
  } catch { /* fall back */ }
  return os.tmpdir();
}

function tailOf(s) { return s.trim().split('\n').slice(-3).join(' | ').slice(0, 400); }
const sizeOf = (f) => (fs.existsSync(f) ? fs.statSync(f).size : null);
function withDir(prefix, fn) {
  const dir = fs.mkdtempSync(path.join(tmpRoot(), `auditship-bench-${prefix}-`));
  return fn(dir).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

// ---------------------------------------------------------------- the tools

const auditship = (...args) => [process.execPath, [...NODE_FLAGS, CLI, ...args]];

// `auditship convert [--records MODE] FILE > out`
function convert(input, o, mode = null) {
  return withDir('convert', async (dir) => {
    const out = path.join(dir, 'out.ndjson');
    const [cmd, args] = auditship('convert', ...(mode ? ['--records', mode] : []), input.file);
    const r = await measure(cmd, args, { stdout: out, pollMs: o.pollMs, env: NODE_ENV });
    const m = /records=(\d+)\s+events=(\d+)\s+parse_errors=(\d+)/.exec(r.stderr);
    const res = { ...base(r), records: m ? Number(m[1]) : null, events: m ? Number(m[2]) : null, outBytes: sizeOf(out) };
    if (r.code !== 0) res.error = `exit ${r.code ?? r.signal}: ${tailOf(r.stderr)}`;
    else if (!m) res.error = `no summary on stderr: ${tailOf(r.stderr)}`;
    return res;
  });
}

let laurelBin = null;
function laurelConfig(dir) {
  const cfg = path.join(dir, 'laurel.toml');
  fs.writeFileSync(cfg, [`directory = "${dir}"`, 'user = "root"', 'statusreport-period = 0', '[auditlog]', 'file = "out.log"',
    'size = 100000000000', 'generations = 2', '[transform]', 'execve-argv = [ "array" ]', '[translate]', 'universal = false',
    'user-db = false', '[enrich]', 'pid = true', ''].join('\n'));
  return cfg;
}

// laurel -c CFG < FILE (its JSON to a file on /dev/shm)
function laurel(input, o) {
  return withDir('laurel', async (dir) => {
    const r = await measure(laurelBin, ['-c', laurelConfig(dir)], { stdin: input.file, cwd: dir, pollMs: o.pollMs });
    const out = path.join(dir, 'out.log');
    const m = /processed (\d+) lines (\d+) events with (\d+) errors/.exec(r.stderr);
    const res = { ...base(r), records: m ? Number(m[1]) : null, events: fs.existsSync(out) ? await countLines(out) : null, outBytes: sizeOf(out) };
    if (r.code !== 0) res.error = `exit ${r.code ?? r.signal}: ${tailOf(r.stderr)}`;
    return res;
  });
}

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// loopback endpoints that read each body and answer success
const SINKS = {
  bulk: { label: '_bulk', reply: '{"took":0,"errors":false,"items":[]}',
    yaml: (url) => `  - type: elasticsearch\n    endpoints: [${url}]\n` },
  hec: { label: 'HEC', reply: '{"text":"Success","code":0}',
    yaml: (url) => `  - type: splunk_hec\n    endpoints: [${url}]\n    token_env: BENCH_HEC_TOKEN\n` },
};

// `auditship run` from the log to a loopback sink; done when /metrics shows every record read and delivered
function endToEnd(kind, input, o) {
  const spec = SINKS[kind];
  return withDir(`e2e-${kind}`, async (dir) => {
    let requests = 0, bodyBytes = 0;
    const server = http.createServer((req, res) => {
      req.on('data', (b) => { bodyBytes += b.length; });
      req.on('end', () => { requests++; res.writeHead(200, { 'content-type': 'application/json' }).end(spec.reply); });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const metricsPort = await freePort();
    try {
      const cfg = path.join(dir, 'auditship.yaml');
      fs.writeFileSync(cfg, `source: { path: ${input.file}, read_from: beginning }
correlate: { idle_timeout_ms: 100 }
state_dir: ${dir}/state
sinks:
${spec.yaml(`http://127.0.0.1:${server.address().port}`)}server: { enabled: true, listen: 127.0.0.1:${metricsPort} }
log: { level: warn }
`);
      let last = {};
      const stopWhen = async (child) => {
        for (;;) {
          await sleep(50);
          if (child.exitCode !== null || child.signalCode !== null) throw new Error('the daemon exited');
          const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()).catch(() => '');
          const num = (re) => { const m = re.exec(text); return m ? Number(m[1]) : null; };
          last = { records: num(/^auditship_records_read_total (\d+)/m), events: num(/^auditship_events_total (\d+)/m),
            pending: num(/^auditship_pending_events (\d+)/m), sent: num(/^auditship_sink_events_sent_total\{[^}]*\} (\d+)/m) };
          if (last.records === input.records && last.pending === 0 && last.sent === last.events) return;
        }
      };
      const [cmd, args] = auditship('run', '--config', cfg);
      const r = await measure(cmd, args, { pollMs: o.pollMs, env: { ...NODE_ENV, BENCH_HEC_TOKEN: '00000000-0000-0000-0000-000000000000' }, stopWhen });
      const res = { ...base(r), records: last.records, events: last.sent, outBytes: bodyBytes, requests };
      if (r.code !== 0 && r.signal !== 'SIGTERM') res.error = `exit ${r.code ?? r.signal}: ${tailOf(r.stderr)}`;
      else if (last.records !== input.records) res.error = `stopped before the end: ${JSON.stringify(last)} ${tailOf(r.stderr)}`;
      return res;
    } finally {
      server.close();
    }
  });
}

// ---------------------------------------------------------------- plugin mode (paced stdin)

// The workload's records in memory with line offsets, for the paced writer.
function loadLines(file, maxRecords) {
  const buf = fs.readFileSync(file);
  const ends = [];
  for (let i = buf.indexOf(10); i !== -1 && ends.length < maxRecords; i = buf.indexOf(10, i + 1)) ends.push(i + 1);
  return { buf, ends: Uint32Array.from(ends) };
}

// Write records at `rps` records/s for `seconds` (every 10 ms, wrapping around), then close stdin.
function pacedFeeder(lines, rps, seconds, stats) {
  return async (child) => {
    const { buf, ends } = lines;
    const n = ends.length;
    const t0 = performance.now();
    let sent = 0, idx = 0;
    await sleep(0);
    for (;;) {
      const el = (performance.now() - t0) / 1000;
      const due = Math.min(Math.floor(el * rps), Math.floor(seconds * rps));
      while (sent < due) {
        const take = Math.min(due - sent, n - idx);
        const start = idx === 0 ? 0 : ends[idx - 1];
        const ok = child.stdin.write(buf.subarray(start, ends[idx + take - 1]));
        sent += take;
        idx = (idx + take) % n;
        if (!ok) await new Promise((r) => child.stdin.once('drain', r));
      }
      if (el >= seconds) break;
      await sleep(10);
    }
    // a tool that cannot keep up holds the pipe full: the feed then ends late
    stats.lagS = (performance.now() - t0) / 1000 - seconds;
    stats.records = sent;
    child.stdin.end();
  };
}

function pluginAuditship(dir) {
  const cfg = path.join(dir, 'auditship.yaml');
  fs.writeFileSync(cfg, `source: { stdin: true }
state_dir: ${dir}/state
sinks:
  - type: file
    path: ${dir}/events.ndjson
log: { level: warn }
${EXTRA_YAML}`);
  return auditship('run', '--config', cfg);
}

function pluginLaurel(dir) { return [laurelBin, ['-c', laurelConfig(dir)]]; }

const PLUGIN = { auditship: pluginAuditship, laurel: pluginLaurel };

function paced(tool, input, lines, rate, o) {
  return withDir(`paced-${tool}`, async (dir) => {
    const rps = rate * (input.records / input.events);
    const stats = { lagS: 0, records: 0 };
    const [cmd, args] = PLUGIN[tool](dir);
    const r = await measure(cmd, args, { stdin: 'pipe', cwd: dir, pollMs: o.pollMs, env: NODE_ENV, feed: pacedFeeder(lines, rps, o.pacedSeconds, stats) });
    const res = { ...base(r), records: stats.records, lagS: stats.lagS };
    if (r.code !== 0) res.error = `exit ${r.code ?? r.signal}: ${tailOf(r.stderr)}`;
    return res;
  });
}

// CPU-seconds per minute on a silent stdin (after a 3 s settle), and the start-up CPU-seconds
function idle(tool, o) {
  return withDir(`idle-${tool}`, async (dir) => {
    const [cmd, args] = PLUGIN[tool](dir);
    let startCpu = 0, perMin = null;
    const feed = async (child) => {
      await sleep(3000);
      startCpu = child.cpuNow();
      await sleep(o.idleSeconds * 1000);
      perMin = ((child.cpuNow() - startCpu) / o.idleSeconds) * 60;
      child.stdin.end();
    };
    const r = await measure(cmd, args, { stdin: 'pipe', cwd: dir, pollMs: 1000, env: NODE_ENV, feed });
    const res = { ...base(r), startCpuSeconds: startCpu, cpuPerMinute: perMin };
    if (r.code !== 0) res.error = `exit ${r.code ?? r.signal}: ${tailOf(r.stderr)}`;
    return res;
  });
}

function base(r) {
  return { wallMs: r.wallMs, peakRssKb: r.peakRssKb, cpuMs: r.cpuMs, otherCpuCores: r.otherCpuCores, exitCode: r.code, signal: r.signal };
}

// ---------------------------------------------------------------- report

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
function round(x, d) { const f = 10 ** d; return Math.round(x * f) / f; }
const mb = (kb) => round((kb * 1024) / 1e6, 1);
const fmtInt = (n) => (n == null ? '-' : Math.round(n).toLocaleString('en-US'));

function summarize(runs, input) {
  const ok = runs.filter((r) => !r.error);
  if (!ok.length) return null;
  const walls = ok.map((r) => r.wallMs / 1000);
  const rss = ok.map((r) => r.peakRssKb).filter((x) => x != null);
  return {
    runs: ok.length, walls: walls.map((w) => round(w, 2)),
    rps: Math.round(input.records / median(walls)),
    rssMB: rss.length ? mb(Math.max(...rss)) : null,
    cpuS: round(median(ok.map((r) => r.cpuMs)) / 1000, 2),
    other: Math.max(0, ...ok.map((r) => r.otherCpuCores ?? 0)),
    outBytes: ok[ok.length - 1].outBytes, events: ok[ok.length - 1].events,
  };
}

function machine(laurelVersion) {
  let cpu = '?';
  try { cpu = (/^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8')) || [])[1] || '?'; } catch { /* */ }
  let distro = '?';
  try { distro = (/^PRETTY_NAME="?([^"\n]+)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8')) || [])[1] || '?'; } catch { /* */ }
  return { cpu, cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length, memGiB: round(os.totalmem() / 2 ** 30, 1),
    kernel: os.release(), os: distro, node: process.version, laurel: laurelVersion, auditship: PKG.version, nodeFlags: NODE_FLAGS.join(' ') };
}

function table(rows) {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r, ri) => {
    const line = r.map((c, i) => (i <= 1 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
    return ri === 0 ? `${line}\n${w.map((n) => '-'.repeat(n)).join('  ')}` : line;
  }).join('\n');
}

// every target as a row: [target, workload, auditship, laurel, ratio, goal, result]
function rowsOf(res) {
  const rows = [['target', 'workload', 'auditship', 'laurel', 'ratio', 'goal', 'result']];
  const verdict = (met) => (met == null ? 'not measured' : met ? 'MET' : 'NOT MET');
  for (const w of Object.keys(res.workloads)) {
    const W = res.workloads[w];
    const L = W.laurel;
    const rate = (s) => (s ? `${fmtInt(s.rps)} rec/s, ${s.cpuS.toFixed(1)} CPU s` : 'failed');
    const c = W.convert;
    const ratio = c && L ? c.rps / L.rps : null;
    rows.push(['convert records/s', w, rate(c), rate(L), ratio == null ? '-' : `${ratio.toFixed(2)}×`, `≥${TARGET_RATIO.toFixed(1)}×`, verdict(ratio == null ? null : ratio >= TARGET_RATIO)]);
    rows.push(['convert peak RSS', w, c?.rssMB != null ? `${c.rssMB} MB` : '-', L?.rssMB != null ? `${L.rssMB} MB` : '-', '', `≤${TARGET_RSS_MB} MB`, verdict(c?.rssMB == null ? null : c.rssMB <= TARGET_RSS_MB)]);
    for (const k of ['bulk', 'hec']) {
      if (!(k in W)) continue;
      const e = W[k];
      const r = e && L ? e.rps / L.rps : null;
      rows.push([`run → ${SINKS[k].label} records/s`, w, rate(e), `${rate(L)} (convert)`, r == null ? '-' : `${r.toFixed(2)}×`, `≥${TARGET_E2E_RATIO.toFixed(1)}×`, verdict(r == null ? null : r >= TARGET_E2E_RATIO)]);
      rows.push([`run → ${SINKS[k].label} peak RSS`, w, e?.rssMB != null ? `${e.rssMB} MB` : '-', '', '', `≤${TARGET_RSS_MB} MB`, verdict(e?.rssMB == null ? null : e.rssMB <= TARGET_RSS_MB)]);
    }
  }
  for (const [key, p] of Object.entries(res.paced)) {
    const [w, rate] = key.split('@');
    const a = p.auditship, l = p.laurel;
    const r = a && l && l.cpuS > 0 ? a.cpuS / l.cpuS : null;
    const cell = (x) => (x ? `${x.cpuS.toFixed(2)} CPU s, ${x.rssMB} MB${x.lagS > 0.5 ? `, behind ${x.lagS.toFixed(1)} s` : ''}` : 'failed');
    const target = Number(rate) === TARGET_RATE;
    rows.push([`plugin ${fmtInt(Number(rate))} ev/s ${res.pacedSeconds} s`, w, cell(a), cell(l), r == null ? '-' : `${r.toFixed(2)}×`,
      target ? `≤${TARGET_CPU_RATIO}×` : 'report', target ? verdict(r == null ? null : r <= TARGET_CPU_RATIO) : 'reported']);
  }
  if (res.idle) {
    const cell = (x) => (x ? `${x.cpuPerMinute.toFixed(2)} CPU s/min, start ${x.startCpuSeconds.toFixed(2)} s, ${x.rssMB} MB` : 'failed');
    rows.push(['idle (no input)', '-', cell(res.idle.auditship), cell(res.idle.laurel), '', 'report', 'reported']);
  }
  for (const w of Object.keys(res.workloads)) {
    const W = res.workloads[w];
    const per = (b) => (b == null ? '-' : `${(b / W.input.bytes).toFixed(2)}`);
    rows.push(['output bytes / input byte', w, `full ${per(W.convert?.outBytes)}, compact ${per(W.compact?.outBytes)}, none ${per(W.none?.outBytes)}`,
      per(W.laurel?.outBytes), '', 'report', 'reported']);
  }
  return rows;
}

function report(res) {
  const L = [];
  const m = res.machine;
  L.push(`machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}, Linux ${m.kernel}`);
  L.push(`versions: node ${m.node} (${m.nodeFlags}), auditship ${m.auditship}, laurel ${m.laurel ?? 'n/a'}`);
  L.push(`noise:   other CPU use ${res.idleBefore} cores before start, max ${res.maxOther} cores during a run`
    + `${res.maxOther > BUSY_CORES || res.idleBefore > BUSY_CORES ? ' — BUSY machine: figures are distorted' : ' (quiet)'}`);
  for (const [w, W] of Object.entries(res.workloads)) {
    const i = W.input;
    L.push(`input:   ${w}: ${path.relative(ROOT, i.file)}: ${fmtInt(i.records)} records, ${fmtInt(i.events)} events (${(i.records / i.events).toFixed(2)} records/event), ${round(i.bytes / 1e6, 1)} MB, seed ${i.seed}`);
  }
  L.push(`runs:    ${res.runs} per tool and workload (median); plugin mode ${res.pacedSeconds} s per rate, idle ${res.idleSeconds} s; MB = 10^6 bytes`);
  L.push('');
  L.push(table(rowsOf(res)));
  return L.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(CLI)) throw new UsageError(`${path.relative(ROOT, CLI)} not found (run npm run build)`);
  laurelBin = which('laurel');
  const laurelVersion = laurelBin ? (spawnSync(laurelBin, ['--version'], { encoding: 'utf8' }).stdout || '').trim().split('\n')[0] : null;
  if (!laurelBin) log('laurel: not on PATH; its columns stay empty');
  const res = { machine: machine(laurelVersion), runs: o.runs, pacedSeconds: o.pacedSeconds, idleSeconds: o.idleSeconds,
    workloads: {}, paced: {}, idle: null, raw: {}, date: new Date().toISOString() };
  res.idleBefore = await idleCheck();
  if (res.idleBefore > BUSY_CORES) log(`warning: the machine is busy (${res.idleBefore} cores in use before starting) — figures will be distorted`);
  let failed = false;
  const note = (label, r) => {
    log(`${label}: ${(r.wallMs / 1000).toFixed(2)} s, CPU ${(r.cpuMs / 1000).toFixed(2)} s, peak RSS ${r.peakRssKb ? mb(r.peakRssKb) + ' MB' : '?'}`
      + `${r.records != null ? `, records=${r.records}` : ''}${r.events != null ? ` events=${r.events}` : ''}${r.outBytes != null ? ` out=${r.outBytes}` : ''}`
      + `${r.lagS > 0.5 ? ` behind=${r.lagS.toFixed(1)}s` : ''}${r.cpuPerMinute != null ? ` idle=${r.cpuPerMinute.toFixed(2)} CPU s/min` : ''}`
      + `${r.otherCpuCores != null ? `, other CPU ${r.otherCpuCores} cores` : ''}${r.error ? ` ERROR ${r.error}` : ''}`);
    if (r.error) failed = true;
    return r;
  };

  for (const w of o.workloads) {
    const input = await prepareInput(w, o);
    await warmCache(input.file);
    const tools = { convert: () => convert(input, o), ...(laurelBin ? { laurel: () => laurel(input, o) } : {}),
      ...(o.e2e ? { bulk: () => endToEnd('bulk', input, o), hec: () => endToEnd('hec', input, o) } : {}) };
    if (o.tools) for (const k of Object.keys(tools)) if (!o.tools.includes(k)) delete tools[k];
    const runs = Object.fromEntries(Object.keys(tools).map((k) => [k, []]));
    for (let i = 0; i < o.runs; i++) {
      for (const [k, fn] of Object.entries(tools)) runs[k].push(note(`${w} ${k} ${i + 1}/${o.runs}`, await fn()));
    }
    const W = { input };
    for (const k of Object.keys(tools)) W[k] = summarize(runs[k], input);
    if (!o.tools || o.tools.includes('lean')) for (const mode of ['compact', 'none']) W[mode] = summarize([note(`${w} convert --records ${mode}`, await convert(input, o, mode))], input);
    res.workloads[w] = W;
    res.raw[w] = runs;
  }

  if (o.paced && laurelBin) {
    for (const w of PACED_WORKLOADS) {
      const input = await prepareInput(w, o);
      const maxRate = Math.max(...o.rates);
      const lines = loadLines(input.file, Math.ceil(maxRate * (input.records / input.events) * o.pacedSeconds) + 1);
      for (const rate of o.rates) {
        const p = {};
        for (const tool of ['laurel', 'auditship']) {
          const r = note(`${w} plugin ${rate} ev/s ${tool}`, await paced(tool, input, lines, rate, o));
          p[tool] = r.error ? null : { cpuS: round(r.cpuMs / 1000, 2), rssMB: r.peakRssKb ? mb(r.peakRssKb) : null, lagS: round(r.lagS, 2), other: r.otherCpuCores };
        }
        res.paced[`${w}@${rate}`] = p;
      }
    }
    res.idle = {};
    for (const tool of ['laurel', 'auditship']) {
      const r = note(`idle ${tool}`, await idle(tool, o));
      res.idle[tool] = r.error ? null : { cpuPerMinute: r.cpuPerMinute, startCpuSeconds: r.startCpuSeconds, rssMB: r.peakRssKb ? mb(r.peakRssKb) : null };
    }
  }
  const others = [...Object.values(res.workloads).flatMap((W) => Object.values(W).map((s) => s?.other).filter((x) => x != null)),
    ...Object.values(res.paced).flatMap((p) => Object.values(p).map((s) => s?.other ?? 0))];
  res.maxOther = others.length ? round(Math.max(...others), 2) : null;
  const text = report(res);
  if (o.json) {
    log(text);
    process.stdout.write(JSON.stringify(res, null, 2) + '\n');
  } else {
    process.stdout.write(text + '\n');
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => { log(`bench: ${err instanceof UsageError ? err.message : err.stack || err}`); process.exit(err instanceof UsageError ? 2 : 1); });

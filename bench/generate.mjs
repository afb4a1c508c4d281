#!/usr/bin/env node
// Deterministic generator of a realistic ENRICHED (log_format=ENRICHED) x86_64
// auditd log, used by bench/run.mjs.
//
//   node bench/generate.mjs [--records N] [--seed S] [--out FILE] [--stats]
//
// N defaults to 1,000,000 and may be written 1m / 250k. The output goes to FILE,
// or to stdout when --out is omitted or is "-". Same N + seed => byte-identical
// output (seeded sfc32 PRNG, no Math.random, no clock). A one-line summary goes
// to stderr; --stats adds a JSON breakdown (records by type, max line length,
// what the reference parser auparse 3.0.9 should report).
//
// What the file contains (see docs/auditd-format.md §1, §2, §6, §7):
//  * syscall events: execve (SYSCALL, EXECVE with 1-8 args, quoted or hex, CWD,
//    PATH x1-3, PROCTITLE), openat (SYSCALL, CWD, PATH x1-2, PROCTITLE),
//    connect (SYSCALL, SOCKADDR inet/inet6/local, [CWD, PATH], PROCTITLE),
//    unlinkat, clone, kill (OBJ_PID); a few i386 compat execs; ~0.1% of the
//    events have an argument long enough to be split into aN_len/aN[i] chunks
//    over several EXECVE records (kernel algorithm reproduced, see
//    execveBodies); EOE rarely (auditd does not write it to disk);
//  * user-space records (USER_ACCT, CRED_ACQ, CRED_REFR, USER_START, USER_END,
//    CRED_DISP, USER_CMD, USER_AUTH, USER_LOGIN, USER_LOGOUT, USER_ERR,
//    CRYPTO_KEY_USER, SERVICE_START/STOP) with the enrichment after the closing
//    quote of msg='...';
//  * LOGIN + SYSCALL(write) + PROCTITLE when pam_loginuid sets a session;
//  * sessions: Teleport (with and without PAM, interactive and exec, invalid
//    user), sshd (and failed logins), cron jobs, sudo inside sessions;
//  * records of 2-4 concurrent events interleaved now and then (each event's
//    own records stay in kernel order), and a few events written late, so
//    neither serials nor timestamps are monotonic line by line.
//
// Record counting is exact: an event is only started if all its records fit in
// the remaining budget, so the file has exactly N lines / N records.

import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';

// ---------------------------------------------------------------- arguments

function parseCount(s, name) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(s).replace(/_/g, ''));
  if (!m) throw new Error(`${name}: not a number: ${s}`);
  const mult = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]];
  return Math.round(Number(m[1]) * mult);
}

function parseArgs(argv) {
  const o = { records: 1_000_000, seed: '1', out: '-', stats: false, profile: 'syscall' };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    const val = () => (v !== undefined ? v : argv[++i]);
    switch (a) {
      case '--records': case '-n': o.records = parseCount(val(), '--records'); break;
      case '--seed': case '-s': o.seed = String(val()); break;
      case '--out': case '-o': o.out = val(); break;
      case '--stats': o.stats = true; break;
      case '--profile': case '-p': o.profile = String(val()); break;
      case '--help': case '-h':
        process.stdout.write('usage: node bench/generate.mjs [--records N] [--seed S] [--profile syscall|bastion|exec] [--out FILE] [--stats]\n');
        process.exit(0);
        break;
      default: throw new Error(`unknown argument: ${a}`);
    }
  }
  if (!(o.records >= 0)) throw new Error('--records must be >= 0');
  if (!PROFILES.includes(o.profile)) throw new Error(`--profile: one of ${PROFILES.join(', ')}`);
  return o;
}

// workloads (--profile): syscall = the default mix above (4.3 records per event); bastion =
// a login host: SSH and Teleport sessions, PAM USER_* records, sudo, cron, EOE after every
// multi-record event (~2.5 records per event); exec = execve-heavy: commands with many, long and
// split arguments (aN_len/aN[i]), hex proctitle. Another profile gives another byte stream for
// the same seed; the syscall profile's output is unchanged.
export const PROFILES = ['syscall', 'bastion', 'exec'];

// ---------------------------------------------------------------- PRNG (sfc32)

function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) { h ^= str.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return h >>> 0;
}

function makeRng(seedStr) {
  let s = (/^\d+$/.test(seedStr) ? Number(seedStr) : fnv1a(seedStr)) >>> 0;
  const sm = () => { // splitmix32
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = sm(), b = sm(), c = sm(), d = sm();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

// ---------------------------------------------------------------- encoding

const UNSET = 4294967295;
const GS = '\x1d';

// Kernel/libaudit rule: hex if any byte is '"', < 0x21 or > 0x7e, else quoted.
function needsHex(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c < 0x21 || c > 0x7e) return true;
  }
  return false;
}
const hexOf = (s) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();
const encCache = new Map();
// untrusted string as the kernel logs it: "quoted" or HEX
function U(s) {
  let e = encCache.get(s);
  if (e === undefined) {
    e = needsHex(s) ? hexOf(s) : `"${s}"`;
    if (encCache.size < 200_000) encCache.set(s, e);
  }
  return e;
}

// PROCTITLE: first 128 bytes of cmdline (NUL separated), trailing
// non-printables trimmed, then the untrusted-string rule.
function proctitle(argv) {
  let b = Buffer.from(argv.join('\0'), 'utf8');
  if (b.length > 128) b = b.subarray(0, 128);
  let n = b.length;
  while (n > 0 && (b[n - 1] < 0x20 || b[n - 1] > 0x7e)) n--;
  b = b.subarray(0, n);
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x22 || c < 0x21 || c > 0x7e) return b.toString('hex').toUpperCase();
  }
  return `"${b.toString('latin1')}"`;
}

// EXECVE record bodies, reproducing kernel/auditsc.c audit_log_execve_info():
// each record holds at most MAX_EXECVE_AUDIT_LEN (7500) bytes of arguments; an
// argument that does not fit is logged as aN_len=L aN[0]=.. aN[1]=.., the
// continuation records start with " aN[i]=" (two spaces after the header), and
// an argument longer than the 7500-byte buffer is forced to hex.
const MAX_EXECVE = 7500;
const ABUF = 96;
function execveBodies(argv) {
  // fast path: everything fits comfortably in one record
  let total = ABUF + 8;
  const enc = new Array(argv.length);
  for (let i = 0; i < argv.length; i++) {
    enc[i] = argv[i].length > 4000 ? null : U(argv[i]);
    if (enc[i] === null) { total = Infinity; break; }
    total += enc[i].length + 3 + String(i).length;
  }
  if (total <= MAX_EXECVE) {
    let s = `argc=${argv.length}`;
    for (let i = 0; i < argv.length; i++) s += ` a${i}=${enc[i]}`;
    return [s];
  }
  const bodies = [];
  let cur = `argc=${argv.length}`;
  let lenRem = MAX_EXECVE;
  for (let arg = 0; arg < argv.length; arg++) {
    const bytes = Buffer.from(argv[arg], 'utf8');
    const full = bytes.length;
    let p = 0;           // bytes consumed from "user space"
    let bufStart = 0;    // start of unlogged data in bytes[]
    let lenBuf = 0;      // unlogged bytes in the buffer
    let requireData = true;
    let encode = false;
    let iter = 0;
    let lenFull = full;  // strnlen_user() - 1
    let lenAbuf = 0;
    for (;;) {
      if (requireData) {
        const room = MAX_EXECVE - lenBuf;
        const avail = full - p;
        let lenTmp;
        if (avail >= room) { // buffer not large enough: force hex
          lenTmp = room;
          requireData = true;
          encode = true;
          lenFull *= 2;
        } else {
          lenTmp = avail;
          requireData = false;
          if (!encode) encode = needsHex(bytes.toString('latin1', p, p + lenTmp));
          if (lenFull < MAX_EXECVE) lenFull = encode ? lenTmp * 2 : lenTmp;
        }
        p += lenTmp;
        lenBuf += lenTmp;
        lenAbuf = encode ? lenBuf * 2 : lenBuf + 2;
      }
      if (ABUF + 8 > lenRem) { bodies.push(cur); cur = ''; lenRem = MAX_EXECVE; }
      let hdr;
      if (requireData || iter > 0 || lenAbuf + ABUF > lenRem) {
        hdr = (iter === 0 ? ` a${arg}_len=${lenFull}` : '') + ` a${arg}[${iter}]=`;
        iter++;
      } else {
        hdr = ` a${arg}=`;
      }
      cur += hdr;
      lenRem -= hdr.length;
      let lenTmp = lenBuf;
      if (encode) {
        if (lenAbuf > lenRem) lenTmp = Math.floor(lenRem / 2);
        cur += bytes.toString('hex', bufStart, bufStart + lenTmp).toUpperCase();
        lenRem -= lenTmp * 2;
        lenAbuf -= lenTmp * 2;
      } else {
        if (lenAbuf > lenRem) lenTmp = lenRem - 2;
        cur += `"${bytes.toString('latin1', bufStart, bufStart + lenTmp)}"`;
        lenRem -= lenTmp + 2;
        lenAbuf -= lenTmp;
      }
      lenBuf -= lenTmp;
      bufStart += lenTmp;
      if (lenBuf === 0 && !requireData) break;
    }
  }
  bodies.push(cur);
  return bodies;
}

// ---------------------------------------------------------------- static data

const ACCOUNTS = [
  // name, uid, gid, home
  ['root', 0, 0, '/root'],
  ['ubuntu', 1000, 1000, '/home/ubuntu'],
  ['alice', 1001, 1001, '/home/alice'],
  ['bob', 1002, 1002, '/home/bob'],
  ['carol', 1003, 1003, '/home/carol'],
  ['deploy', 1004, 1004, '/srv/deploy'],
  ['ci', 1005, 1005, '/home/ci'],
  ['www-data', 33, 33, '/var/www'],
  ['postgres', 114, 121, '/var/lib/postgresql'],
  ['prometheus', 110, 118, '/var/lib/prometheus'],
  ['nobody', 65534, 65534, '/nonexistent'],
];
const ACC = new Map(ACCOUNTS.map(([name, uid, gid, home]) => [name, { name, uid, gid, home }]));
const UID_NAME = new Map(ACCOUNTS.map(([n, u]) => [u, n]));
const GID_NAME = new Map([[0, 'root'], [4, 'adm'], [42, 'shadow'], [1000, 'ubuntu'], [1001, 'alice'],
  [1002, 'bob'], [1003, 'carol'], [1004, 'deploy'], [1005, 'ci'], [33, 'www-data'], [121, 'postgres'],
  [118, 'prometheus'], [65534, 'nogroup']]);
const uidName = (u) => (u === UNSET ? '"unset"' : UID_NAME.has(u) ? `"${UID_NAME.get(u)}"` : `"unknown(${u})"`);
const gidName = (g) => (g === UNSET ? '"unset"' : GID_NAME.has(g) ? `"${GID_NAME.get(g)}"` : `"unknown(${g})"`);

const TELEPORT_EXE = '/usr/local/bin/teleport';
const LDSO = '/lib64/ld-linux-x86-64.so.2';
const STATIC_BINS = new Set(['/usr/local/bin/kubectl', '/usr/local/bin/node_exporter', '/usr/bin/runc', '/usr/bin/busybox']);
const SERVICES = ['nginx', 'postgresql', 'docker', 'teleport', 'ssh', 'cron', 'app', 'node_exporter', 'containerd'];
const CONTAINERS = ['app-web-1', 'app-worker-1', 'redis', 'grafana', 'loki'];
const WORDS = ['TODO', 'error', 'timeout', 'password', 'listen', 'upstream', 'deprecated', 'FIXME', 'panic', 'ECONNRESET'];
const COMMIT_MSGS = ['fix the retry loop', 'bump deps', 'wip', 'Add healthcheck endpoint', 'revert "oops"',
  'update nginx config for tls 1.3', 'typo'];
const TLDS = ['example.com', 'example.org', 'example.net'];
const BRANCHES = ['main', 'develop', 'feature/login', 'fix/timeout', 'release-2.4'];

const HOME_FILES = ['.bashrc', '.profile', '.bash_history', '.ssh/authorized_keys', '.ssh/known_hosts', '.gitconfig',
  'notes.txt', 'project/README.md', 'project/src/index.ts', 'project/package.json', '.config/htop/htoprc',
  '.kube/config', '.aws/credentials', 'My Documents/report.pdf', 'résumé.pdf', 'project/.env'];
const SYS_FILES = ['/etc/passwd', '/etc/group', '/etc/shadow', '/etc/hosts', '/etc/resolv.conf', '/etc/ssl/openssl.cnf',
  '/etc/nginx/nginx.conf', '/etc/nginx/sites-available/default', '/etc/ssh/sshd_config', '/etc/sudoers',
  '/etc/teleport.yaml', '/etc/os-release', '/etc/ld.so.cache', '/etc/nsswitch.conf', '/etc/localtime',
  '/var/log/syslog', '/var/log/auth.log', '/var/log/nginx/access.log', '/var/log/nginx/error.log',
  '/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/share/zoneinfo/UTC', '/etc/crontab', '/etc/environment'];
const MISSING_FILES = ['/etc/nginx/conf.d/local.conf', '/usr/lib/locale/C.utf8/LC_CTYPE', '/etc/ld.so.preload',
  '/root/.bash_aliases', '/opt/app/config.local.json', '/etc/gai.conf'];

// ---------------------------------------------------------------- generator

class Generator {
  constructor(seed, profile = 'syscall') {
    this.profile = profile;
    this.rng = makeRng(profile === 'syscall' ? seed : `${profile}:${seed}`);
    this.nowMs = 1732003200000 + Math.floor(this.rng() * 3_600_000); // 2024-11-19 08:00Z + <1h
    this.serial = 1_800_000 + Math.floor(this.rng() * 200_000);
    this.pidNext = 24_000 + Math.floor(this.rng() * 1000);
    this.sesNext = 3000 + Math.floor(this.rng() * 500);
    this.quiet = true;     // no event open: a longer idle gap is allowed
    this.flows = [];       // each: array of thunks producing the next event of a sequence
    this.sessions = [];    // interactive sessions
    this.recent = [];      // recently exec'd processes (ring)
    this.held = null;      // an event written late (non-monotonic serial)
    this.nextCron = Math.ceil(this.nowMs / 60000) * 60000 + 80;
    this.fileMeta = new Map();
    this.ptsNext = 0;
    this.st = { eoeAfterProctitle: 0, loginSplit: 0, longExecve: 0, interleavedEvents: 0, heldEvents: 0,
      argcMax: 0, teleportSessions: 0, teleportPam: 0, sshdSessions: 0, cronRuns: 0, sudo: 0 };
    this.initDaemons();
  }

  // ---- random helpers
  r() { return this.rng(); }
  ri(n) { return Math.floor(this.rng() * n); }
  rr(a, b) { return a + Math.floor(this.rng() * (b - a + 1)); }
  pick(arr) { return arr[Math.floor(this.rng() * arr.length)]; }
  chance(p) { return this.rng() < p; }
  // 48-bit user-space addresses (two draws: one double has only 32 random bits), 16-byte aligned
  ptr() { return (0x550000000000 + this.ri(0x1000000) * 0x10000 + this.ri(0x1000) * 16).toString(16); }
  stackPtr() { return (0x7ffc00000000 + this.ri(0x40000) * 0x10000 + this.ri(0x1000) * 16).toString(16); }
  newPid() { this.pidNext += 1 + (this.chance(0.3) ? this.ri(6) : 0); return this.pidNext; }
  ip4() { return `${this.pick(['203.0.113', '198.51.100', '192.0.2', '10.8.0'])}.${this.rr(2, 254)}`; }

  // ---- time & serial: one (timestamp, serial) per event
  stamp() {
    let gap;
    if (this.quiet && this.chance(0.002)) gap = this.rr(400, 4000);      // idle
    else if (this.quiet) gap = this.chance(0.45) ? 0 : this.rr(1, 9);
    else gap = this.chance(0.6) ? 0 : this.rr(1, 2);                    // events open: keep close
    this.nowMs += gap;
    this.serial += 1 + (this.chance(0.03) ? this.rr(1, 4) : 0);          // unlogged contexts
    const sec = Math.floor(this.nowMs / 1000);
    const ms = this.nowMs % 1000;
    return `${sec}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}:${this.serial}`;
  }

  ev() { return new Event(this.stamp()); }

  // ---- processes
  proc(o) {
    const acc = o.acc || ACC.get('root');
    const p = {
      pid: o.pid ?? this.newPid(), ppid: o.ppid ?? 1,
      uid: o.uid ?? acc.uid, gid: o.gid ?? acc.gid, euid: o.euid ?? o.uid ?? acc.uid, egid: o.egid ?? o.gid ?? acc.gid,
      auid: o.auid ?? UNSET, ses: o.ses ?? UNSET, tty: o.tty ?? '(none)',
      exe: o.exe, argv: o.argv, comm: o.comm ?? path.basename(o.exe).slice(0, 15),
      cwd: o.cwd ?? '/', home: acc.home, files: o.files, net: o.net, _sys: null, _enr: null, _pt: null,
    };
    return p;
  }
  sysTail(p) {
    return p._sys ??= `ppid=${p.ppid} pid=${p.pid} auid=${p.auid} uid=${p.uid} gid=${p.gid} euid=${p.euid} suid=${p.euid} `
      + `fsuid=${p.euid} egid=${p.egid} sgid=${p.egid} fsgid=${p.egid} tty=${p.tty} ses=${p.ses} `
      + `comm=${U(p.comm)} exe=${U(p.exe)} subj=unconfined key=`;
  }
  credEnr(p) {
    return p._enr ??= `AUID=${uidName(p.auid)} UID=${uidName(p.uid)} GID=${gidName(p.gid)} EUID=${uidName(p.euid)} `
      + `SUID=${uidName(p.euid)} FSUID=${uidName(p.euid)} EGID=${gidName(p.egid)} SGID=${gidName(p.egid)} FSGID=${gidName(p.egid)}`;
  }
  pt(p) { return p._pt ??= proctitle(p.argv); }

  initDaemons() {
    const root = ACC.get('root');
    const d = (o) => this.proc({ ...o, pid: o.pid });
    this.systemd = d({ pid: 1, ppid: 0, exe: '/usr/lib/systemd/systemd', argv: ['/sbin/init'], comm: 'systemd', acc: root });
    this.sshd = d({ pid: 812, exe: '/usr/sbin/sshd', argv: ['sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups'], acc: root });
    this.teleport = d({ pid: 1187, exe: TELEPORT_EXE, argv: [TELEPORT_EXE, 'start', '--config', '/etc/teleport.yaml', '--pid-file=/run/teleport.pid'], acc: root,
      net: [['inet', '203.0.113.50', 3080], ['inet', '203.0.113.50', 443], ['inet', '10.0.0.5', 3025]] });
    this.cron = d({ pid: 701, exe: '/usr/sbin/cron', argv: ['/usr/sbin/cron', '-f', '-P'], acc: root });
    this.dockerd = d({ pid: 1044, exe: '/usr/bin/dockerd', argv: ['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'], acc: root,
      net: [['local', '/run/containerd/containerd.sock'], ['inet', '172.17.0.3', 6379]],
      files: ['/var/lib/docker/containers/3f4e/config.v2.json', '/var/lib/docker/network/files/local-kv.db', '/etc/docker/daemon.json'] });
    this.containerd = d({ pid: 980, exe: '/usr/bin/containerd', argv: ['/usr/bin/containerd'], acc: root });
    const nginx = d({ pid: 1432, ppid: 1431, exe: '/usr/sbin/nginx', argv: ['nginx: worker process'], acc: ACC.get('www-data'),
      net: [['inet', '127.0.0.1', 3000], ['inet', '127.0.0.1', 3000], ['inet6', '::1', 3000], ['local', '/run/php/php8.2-fpm.sock']],
      files: ['/var/www/html/index.html', '/var/www/html/favicon.ico', '/var/www/html/assets/app.js', '/etc/nginx/mime.types'] });
    const app = d({ pid: 2210, exe: '/usr/bin/node', argv: ['node', '/srv/app/server.js'], acc: ACC.get('deploy'), cwd: '/srv/app',
      net: [['inet', '10.0.0.21', 5432], ['inet', '127.0.0.1', 6379], ['inet', '169.254.169.254', 80], ['inet', '54.187.174.169', 443],
        ['inet6', '2606:4700:4700::1111', 443], ['inet', '127.0.0.53', 53], ['local', '/var/run/nscd/socket']],
      files: ['/srv/app/package.json', '/srv/app/dist/routes/orders.js', '/srv/app/.env', '/etc/ssl/certs/ca-certificates.crt', '/srv/app/uploads/tmp-upload'] });
    const pg = d({ pid: 1520, exe: '/usr/lib/postgresql/15/bin/postgres', argv: ['/usr/lib/postgresql/15/bin/postgres', '-D', '/var/lib/postgresql/15/main', '-c', 'config_file=/etc/postgresql/15/main/postgresql.conf'],
      acc: ACC.get('postgres'), cwd: '/var/lib/postgresql/15/main',
      files: ['/var/lib/postgresql/15/main/base/16384/2619', '/var/lib/postgresql/15/main/base/16384/16402', '/var/lib/postgresql/15/main/pg_wal/000000010000000A00000042',
        '/var/lib/postgresql/15/main/global/pg_control', '/var/lib/postgresql/15/main/pg_stat_tmp/global.tmp'] });
    const nodeExp = d({ pid: 1290, exe: '/usr/local/bin/node_exporter', argv: ['/usr/local/bin/node_exporter', '--collector.systemd', '--web.listen-address=:9100'],
      acc: ACC.get('prometheus'),
      files: ['/proc/stat', '/proc/meminfo', '/proc/loadavg', '/proc/net/dev', '/sys/class/net/eth0/statistics/rx_bytes', '/proc/diskstats',
        '/sys/fs/cgroup/system.slice/nginx.service/memory.current', '/proc/1/status', '/proc/pressure/cpu'] });
    this.daemons = [nginx, nginx, app, app, app, pg, nodeExp, nodeExp, this.dockerd, this.teleport, this.sshd];
  }

  // ---- file metadata for PATH records
  meta(p) {
    let m = this.fileMeta.get(p);
    if (m) return m;
    const h = fnv1a(p);
    let dev = '08:01', mode = '0100644', ouid = 0, ogid = 0, inode = 131072 + (h % 3_000_000);
    if (p.startsWith('/proc/')) { dev = '00:16'; mode = '0100444'; inode = 4026532000 + (h % 90000); }
    else if (p.startsWith('/sys/')) { dev = '00:15'; mode = '0100444'; inode = 30000 + (h % 60000); }
    else if (/\/(s?bin|lib64)\//.test(p) || (p.startsWith('/usr/lib/') && !/\.[a-z]+$/.test(p)) || /\.so(\.\d+)*$/.test(p)) mode = '0100755';
    else if (p === '/etc/shadow' || p === '/etc/gshadow') { mode = '0100640'; ogid = 42; }
    else if (p === '/etc/sudoers') mode = '0100440';
    else if (p.startsWith('/var/log/nginx/')) { mode = '0100640'; ouid = 33; ogid = 4; }
    else if (p.startsWith('/var/lib/postgresql/')) { mode = '0100600'; ouid = 114; ogid = 121; }
    else if (p.startsWith('/srv/app') || p.startsWith('/srv/deploy')) { ouid = 1004; ogid = 1004; }
    else if (p.startsWith('/var/lib/prometheus')) { ouid = 110; ogid = 118; }
    else {
      const hm = /^\/home\/([^/]+)\//.exec(p);
      if (hm && ACC.has(hm[1])) { const a = ACC.get(hm[1]); ouid = a.uid; ogid = a.gid; mode = p.includes('.ssh/') ? '0100600' : '0100644'; }
    }
    if (p.endsWith('.sh')) mode = '0100755';
    m = { dev, mode, ouid, ogid, inode, enr: `OUID=${uidName(ouid)} OGID=${gidName(ogid)}` };
    if (this.fileMeta.size < 100_000) this.fileMeta.set(p, m);
    return m;
  }

  pathRec(e, item, name, real, nametype, over) {
    if (nametype === 'UNKNOWN') {
      e.r('PATH', `item=${item} name=${U(name)} nametype=UNKNOWN cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`);
      return;
    }
    const m = over || this.meta(real);
    e.r('PATH', `item=${item} name=${U(name)} inode=${m.inode} dev=${m.dev} mode=${m.mode} ouid=${m.ouid} ogid=${m.ogid} rdev=00:00 `
      + `nametype=${nametype} cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`, m.enr);
  }

  sysRec(e, p, nr, name, success, exit, a0, a1, a2, a3, items, key, compat) {
    const arch = compat ? '40000003' : 'c000003e';
    e.r('SYSCALL', `arch=${arch} syscall=${nr} success=${success} exit=${exit} a0=${a0} a1=${a1} a2=${a2} a3=${a3} items=${items} `
      + this.sysTail(p) + key, `ARCH=${compat ? 'i386' : 'x86_64'} SYSCALL=${name} ${this.credEnr(p)}`);
  }

  // PROCTITLE, and very rarely the EOE auditd normally does not write
  tail(e, p) {
    e.r('PROCTITLE', `proctitle=${this.pt(p)}`);
    if (this.chance(0.003)) { e.eoe(); this.st.eoeAfterProctitle++; }
  }

  // user-space record: pid uid auid ses subj msg='...' <GS>UID=.. AUID=..
  userRec(type, p, msg, uid = p.uid, auid = p.auid, ses = p.ses) {
    const e = this.ev();
    if (msg.length > 8560) msg = msg.slice(0, 8560); // kernel AUDIT_MESSAGE_TEXT_MAX
    e.r(type, `pid=${p.pid} uid=${uid} auid=${auid} ses=${ses} subj=unconfined msg='${msg}'`, `UID=${uidName(uid)} AUID=${uidName(auid)}`);
    return e;
  }

  // ---- syscall events
  execEvent(parent, c, o = {}) {
    // c: { exe, argv, comm?, script?, acc?, uid?, euid?, ... } -> child process
    const e = this.ev();
    const child = this.proc({
      ppid: parent.pid, acc: c.acc, uid: c.uid ?? parent.uid, gid: c.gid ?? parent.gid,
      euid: c.euid ?? c.uid ?? parent.uid, egid: c.egid ?? c.gid ?? parent.gid,
      auid: parent.auid, ses: parent.ses, tty: c.tty ?? parent.tty, cwd: c.cwd ?? parent.cwd,
      exe: c.exe, argv: c.argv, comm: c.comm, net: c.net, files: c.files,
    });
    child.home = c.acc ? c.acc.home : parent.home;
    const compat = !!o.compat;
    const nameArg = c.pathName ?? c.exe;
    if (o.fail) { // permission denied: no EXECVE, the proctitle is still the parent's
      this.sysRec(e, { ...parent, _sys: null, _enr: null }, compat ? 11 : 59, 'execve', 'no', -13, this.ptr(), this.ptr(), this.ptr(), '8', 1, '"exec"', compat);
      e.r('CWD', `cwd=${U(parent.cwd)}`);
      this.pathRec(e, 0, nameArg, c.exe, 'NORMAL', { ...this.meta(c.exe), mode: '0100644' });
      e.r('PROCTITLE', `proctitle=${this.pt(parent)}`);
      return [e, parent];
    }
    const items = c.script ? 3 : STATIC_BINS.has(c.exe) ? 1 : 2;
    const key = c.key ?? (compat ? '"exec32"' : '"exec"');
    this.sysRec(e, child, compat ? 11 : 59, 'execve', 'yes', 0, this.ptr(), this.ptr(), this.ptr(), this.chance(0.7) ? '8' : 'fffffffffffff' + this.pick(['000', '286', '878', '9a0']), items, key, compat);
    const bodies = execveBodies(child.argv);
    if (child.argv.length > this.st.argcMax) this.st.argcMax = child.argv.length;
    if (bodies.length > 1) this.st.longExecve++;
    for (const b of bodies) e.r('EXECVE', b);
    e.r('CWD', `cwd=${U(child.cwd)}`);
    if (c.script) {
      this.pathRec(e, 0, c.script, path.posix.resolve(child.cwd, c.script), 'NORMAL');
      this.pathRec(e, 1, c.interp, c.exe, 'NORMAL');
      this.pathRec(e, 2, LDSO, LDSO, 'NORMAL');
    } else {
      this.pathRec(e, 0, nameArg, c.exe, 'NORMAL');
      if (items === 2) this.pathRec(e, 1, compat ? '/lib/ld-linux.so.2' : LDSO, LDSO, 'NORMAL');
    }
    this.tail(e, child);
    if (this.recent.length < 48) this.recent.push(child); else this.recent[this.ri(48)] = child;
    return [e, child];
  }

  openatEvent(p) {
    const e = this.ev();
    let file;
    if (p.files && this.chance(0.85)) file = this.pick(p.files);
    else if (p.home && p.home.startsWith('/home/') && this.chance(0.45)) file = `${p.home}/${this.pick(HOME_FILES)}`;
    else file = this.pick(SYS_FILES);
    const roll = this.r();
    const fd = (3 + this.ri(30)).toString();
    const cwd = p.cwd;
    let name = file;
    if (cwd !== '/' && file.startsWith(cwd + '/') && this.chance(0.5)) name = file.slice(cwd.length + 1);
    const a0 = 'ffffff9c'; // AT_FDCWD
    let key = '(null)';
    if (/^\/etc\/(passwd|shadow|group|gshadow|sudoers)$/.test(file)) key = '"identity"';
    else if (file.startsWith('/etc/ssh/') || file === '/etc/teleport.yaml') key = '"sshd_config"';
    else if (file.includes('.ssh/') || file.includes('.aws/') || file.includes('.kube/') || file.endsWith('.env')) key = '"secrets"';
    if (file === '/etc/shadow' && p.euid !== 0 || roll < 0.04 && p.euid !== 0 && file.startsWith('/etc/')) {
      this.sysRec(e, p, 257, 'openat', 'no', -13, a0, this.ptr(), '80000', '0', 1, key === '(null)' ? '"access"' : key);
      e.r('CWD', `cwd=${U(cwd)}`);
      this.pathRec(e, 0, name, file, 'NORMAL');
    } else if (roll < 0.09) {
      const miss = this.pick(MISSING_FILES);
      this.sysRec(e, p, 257, 'openat', 'no', -2, a0, this.ptr(), '80000', '0', 1, '"access"');
      e.r('CWD', `cwd=${U(cwd)}`);
      this.pathRec(e, 0, miss, miss, 'UNKNOWN');
    } else if (roll < 0.2) {
      const dir = p.home && p.home.startsWith('/home/') && this.chance(0.5) ? p.home : '/tmp';
      const f = `${dir}/${this.pick(['.sess-', 'tmp.', 'out-', 'build-', 'cache-'])}${this.ri(1e6).toString(36)}${this.pick(['', '.json', '.log', '.tmp'])}`;
      this.sysRec(e, p, 257, 'openat', 'yes', fd, a0, this.ptr(), '241', '1b6', 2, dir === '/tmp' ? '"tmp-write"' : key);
      e.r('CWD', `cwd=${U(cwd)}`);
      const dm = this.meta(dir);
      this.pathRec(e, 0, dir + '/', dir, 'PARENT', { ...dm, mode: dir === '/tmp' ? '041777' : '040750', inode: dir === '/tmp' ? 12 : dm.inode });
      const fm = this.meta(f);
      this.pathRec(e, 1, f, f, 'CREATE', { ...fm, ouid: p.euid, ogid: p.egid, enr: `OUID=${uidName(p.euid)} OGID=${gidName(p.egid)}` });
    } else {
      this.sysRec(e, p, 257, 'openat', 'yes', fd, a0, this.ptr(), this.pick(['80000', '80000', '0', '88800', '90800']), '0', 1, key);
      e.r('CWD', `cwd=${U(cwd)}`);
      this.pathRec(e, 0, name, file, 'NORMAL');
    }
    this.tail(e, p);
    return e;
  }

  saddr(kind, host, port) {
    const be16 = (n) => n.toString(16).padStart(4, '0').toUpperCase();
    if (kind === 'inet') {
      const ip = host.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join('').toUpperCase();
      return [`0200${be16(port)}${ip}0000000000000000`, `{ saddr_fam=inet laddr=${host} lport=${port} }`, '10'];
    }
    if (kind === 'inet6') {
      // expand "::"
      const [l, r] = host.split('::');
      const L = l ? l.split(':') : [];
      const R = r !== undefined && r !== '' ? r.split(':') : [];
      const groups = [...L, ...Array(8 - L.length - R.length).fill('0'), ...R];
      const ip = groups.map((g) => g.padStart(4, '0')).join('').toUpperCase();
      return [`0A00${be16(port)}00000000${ip}00000000`, `{ saddr_fam=inet6 laddr=${host} lport=${port} }`, '1c'];
    }
    const h = Buffer.from(host, 'latin1').toString('hex').toUpperCase();
    return [`0100${h}00`, `{ saddr_fam=local path=${host} }`, (2 + host.length + 1).toString(16)];
  }

  connectEvent(p, dest) {
    const e = this.ev();
    const d = dest || (p.net ? this.pick(p.net) : this.pick([['inet', '127.0.0.53', 53], ['inet', '93.184.215.14', 443],
      ['inet', '140.82.121.4', 22], ['inet', '10.0.0.12', 5432], ['local', '/var/run/nscd/socket'], ['inet6', '2a00:1450:4001:82b::200e', 443]]));
    const [hex, enr, alen] = this.saddr(d[0], d[1], d[2]);
    const roll = this.r();
    let success = 'yes', exit = 0;
    if (d[0] === 'local' && d[1] === '/var/run/nscd/socket') { success = 'no'; exit = -2; }
    else if (roll < 0.25) { success = 'no'; exit = -115; }
    else if (roll < 0.28) { success = 'no'; exit = -111; }
    const items = d[0] === 'local' ? 1 : 0;
    this.sysRec(e, p, 42, 'connect', success, exit, (3 + this.ri(40)).toString(16), this.ptr(), alen, this.chance(0.5) ? '0' : this.stackPtr(), items, this.chance(0.8) ? '"network"' : '(null)');
    e.r('SOCKADDR', `saddr=${hex}`, `SADDR=${enr}`);
    if (items) {
      e.r('CWD', `cwd=${U(p.cwd)}`);
      if (exit === -2) this.pathRec(e, 0, d[1], d[1], 'UNKNOWN');
      else this.pathRec(e, 0, d[1], d[1], 'NORMAL', { ...this.meta(d[1]), mode: '0140777' });
    }
    if (this.chance(0.005)) { e.eoe(); return e; } // as in the laurel fixtures: SYSCALL, SOCKADDR, EOE
    this.tail(e, p);
    return e;
  }

  cloneEvent(p) {
    const e = this.ev();
    this.sysRec(e, p, 56, 'clone', 'yes', this.pidNext + 1 + this.ri(3), '1200011', '0', '0', this.stackPtr(), 0, '"fork"');
    this.tail(e, p);
    return e;
  }

  unlinkEvent(p) {
    const e = this.ev();
    const dir = this.chance(0.6) ? '/tmp' : p.cwd;
    const f = `${dir === '/' ? '' : dir}/${this.pick(['tmp.', 'build-', 'old-', '.lock-'])}${this.ri(1e5).toString(36)}`;
    this.sysRec(e, p, 263, 'unlinkat', 'yes', 0, 'ffffff9c', this.ptr(), '0', '0', 2, '"delete"');
    e.r('CWD', `cwd=${U(p.cwd)}`);
    this.pathRec(e, 0, dir === '/' ? '/' : dir + '/', dir, 'PARENT', { ...this.meta(dir), mode: dir === '/tmp' ? '041777' : '040755' });
    this.pathRec(e, 1, f, f, 'DELETE', { ...this.meta(f), ouid: p.euid, ogid: p.egid, enr: `OUID=${uidName(p.euid)} OGID=${gidName(p.egid)}` });
    this.tail(e, p);
    return e;
  }

  killEvent(p, target) {
    const e = this.ev();
    this.sysRec(e, p, 62, 'kill', 'yes', 0, target.pid.toString(16), 'f', '0', '0', 0, '"kill"');
    e.r('OBJ_PID', `opid=${target.pid} oauid=${target.auid === UNSET ? -1 : target.auid} ouid=${target.uid} oses=${target.ses === UNSET ? -1 : target.ses} obj=unconfined ocomm=${U(target.comm)}`,
      `OAUID=${uidName(target.auid)} OUID=${uidName(target.uid)}`);
    this.tail(e, p);
    return e;
  }

  // LOGIN (pam_loginuid writing /proc/self/loginuid) + SYSCALL(write) + PROCTITLE.
  // auparse 3.0.9 ends an event at LOGIN (type < 1300), so it sees 2 events here.
  loginEvent(p, acc, ses) {
    const e = this.ev();
    e.r('LOGIN', `pid=${p.pid} uid=${p.uid} subj=unconfined old-auid=4294967295 auid=${acc.uid} tty=(none) old-ses=4294967295 ses=${ses} res=1`,
      `UID=${uidName(p.uid)} OLD-AUID="unset" AUID=${uidName(acc.uid)}`);
    const after = { ...p, auid: acc.uid, ses, _sys: null, _enr: null };
    this.sysRec(e, after, 1, 'write', 'yes', String(acc.uid).length, (5 + this.ri(4)).toString(16), this.stackPtr(), String(acc.uid).length.toString(16), '0', 0, '(null)');
    this.tail(e, after);
    this.st.loginSplit++;
    return e;
  }

  // ---- user commands
  command(s) {
    const home = s.shell.home;
    const file = () => (this.chance(0.5) ? this.pick(SYS_FILES) : `${home}/${this.pick(HOME_FILES)}`);
    const dir = () => this.pick([home, '/var/log', '/etc/nginx', '/srv/app', '/tmp', `${home}/project`]);
    const svc = () => this.pick(SERVICES);
    const k = this.ri(100);
    const c = (exe, argv, extra) => ({ exe, argv, ...extra });
    if (k < 10) return c('/usr/bin/ls', this.pick([['ls'], ['ls', '-la'], ['ls', '-lh', dir()], ['ls', '--color=auto'], ['ls', '-la', `${home}/My Documents`]]));
    if (k < 16) return c('/usr/bin/cat', ['cat', file()]);
    if (k < 20) return c('/usr/bin/grep', ['grep', '-rn', this.pick(WORDS), this.pick(['src', '/etc/nginx', '/var/log/syslog', '.'])]);
    if (k < 28) return c('/usr/bin/git', this.pick([['git', 'status'], ['git', 'pull', '--rebase'], ['git', 'log', '--oneline', '-n', '20'], ['git', 'diff'],
      ['git', 'commit', '-am', this.pick(COMMIT_MSGS)], ['git', 'push', 'origin', this.pick(BRANCHES)], ['git', 'checkout', '-b', `feature/${this.pick(WORDS).toLowerCase()}-${this.ri(999)}`]]));
    if (k < 31) return c('/usr/bin/ps', this.pick([['ps', 'aux'], ['ps', '-ef', '--forest'], ['ps', '-o', 'pid,ppid,cmd', '-p', String(this.rr(300, 30000))]]));
    if (k < 35) return c('/usr/bin/systemctl', this.pick([['systemctl', 'status', svc()], ['systemctl', 'restart', svc()], ['systemctl', '--no-pager', 'list-units', '--failed']]));
    if (k < 39) return c('/usr/bin/docker', this.pick([['docker', 'ps'], ['docker', 'logs', '--tail', '100', this.pick(CONTAINERS)], ['docker', 'exec', '-it', this.pick(CONTAINERS), 'sh'],
      ['docker', 'compose', 'up', '-d'], ['docker', 'ps', '--format', '{{.Names}} {{.Status}}']]));
    if (k < 42) return c('/usr/bin/curl', this.pick([['curl', '-sS', `https://api.${this.pick(TLDS)}/v1/health`], ['curl', '-sS', '-H', `Authorization: Bearer ${this.ri(1e9).toString(36)}${this.ri(1e9).toString(36)}`, `https://api.${this.pick(TLDS)}/v1/orders?limit=10`],
      ['curl', '-fsSL', 'http://198.51.100.77/x.sh', '-o', '/tmp/x.sh']]), { net: [['inet', '93.184.215.14', 443]] });
    if (k < 45) return c('/usr/bin/python3.11', this.pick([['python3', '-c', 'import json,sys; print(json.load(sys.stdin)["status"])'], ['python3', 'manage.py', 'migrate'], ['python3', '-m', 'http.server', '8000']]));
    if (k < 48) return c('/usr/bin/journalctl', ['journalctl', '-u', svc(), '--since', this.pick(['1 hour ago', 'today', '10 min ago']), '--no-pager']);
    if (k < 51) return c(this.pick(['/usr/bin/tail', '/usr/bin/head', '/usr/bin/less']), this.pick([['tail', '-f', '/var/log/nginx/access.log'], ['head', '-n', '50', file()], ['less', file()]]));
    if (k < 53) return c('/usr/bin/vim.basic', ['vim', this.pick(['notes.txt', '/etc/nginx/sites-available/default', 'project/src/index.ts', '.bashrc'])], { comm: 'vim' });
    if (k < 55) return c('/usr/bin/find', ['find', this.pick(['/var/www', '/srv/app', '.']), '-name', this.pick(['*.php', '*.log', '*.ts']), '-mtime', '-1']);
    if (k < 56) return c('/usr/bin/mawk', ['awk', '-F:', '{print $1}', '/etc/passwd'], { comm: 'awk' });
    if (k < 57) return c('/usr/bin/sed', ['sed', '-i', 's/listen 80;/listen 8080;/', '/etc/nginx/sites-available/default']);
    if (k < 60) return c('/usr/local/bin/kubectl', this.pick([['kubectl', 'get', 'pods', '-n', 'kube-system', '-o', 'wide'], ['kubectl', 'logs', '-f', 'deploy/api', '--since=10m'],
      ['kubectl', 'describe', 'node', 'ip-10-0-3-17']]), { net: [['inet', '10.0.0.5', 6443]] });
    if (k < 61) return c('/usr/lib/postgresql/15/bin/psql', ['psql', '-U', 'postgres', '-c', 'SELECT count(*) FROM orders;']);
    if (k < 68) return c(...this.pick([['/usr/bin/id', ['id']], ['/usr/bin/whoami', ['whoami']], ['/usr/bin/uname', ['uname', '-a']], ['/usr/bin/df', ['df', '-h']],
      ['/usr/bin/free', ['free', '-m']], ['/usr/bin/uptime', ['uptime']], ['/usr/bin/date', ['date', '-u']], ['/usr/bin/hostname', ['hostname', '-f']]]));
    if (k < 70) return c('/usr/bin/ssh', ['ssh', '-i', `${home}/.ssh/id_ed25519`, `deploy@10.0.0.${this.rr(10, 40)}`], { net: [['inet', `10.0.0.${this.rr(10, 40)}`, 22]] });
    if (k < 72) return c('/usr/bin/tar', ['tar', 'czf', `/tmp/backup-${this.rr(1, 28)}.tgz`, this.pick(['/etc/nginx', '/srv/app', `${home}/project`])]);
    if (k < 74) return c('/usr/bin/rm', ['rm', '-rf', `/tmp/build-${this.ri(1e4)}`]);
    if (k < 75) return c('/usr/bin/touch', ['touch', this.pick(['résumé.pdf', 'naïve café.txt', 'report\tfinal.txt'])]);
    if (k < 76) return c('/usr/bin/env', ['env']);
    if (k < 78) return { exe: '/usr/bin/bash', comm: 'deploy.sh', script: './deploy.sh', interp: '/bin/bash', argv: ['/bin/bash', './deploy.sh', '--env', this.pick(['production', 'staging']), '--tag', `v2.${this.ri(20)}.${this.ri(10)}`] };
    if (k < 79) return c('/usr/bin/top', ['top', '-b', '-n', '1']);
    if (k < 80) return c('/usr/bin/openssl', ['openssl', 's_client', '-connect', 'example.com:443', '-servername', 'example.com']);
    if (k < 81) return c('/usr/bin/nc', ['nc', '-zv', `10.0.0.${this.rr(2, 40)}`, String(this.pick([22, 80, 443, 5432, 6379]))], { comm: 'nc' });
    if (k < 82) return c('/usr/bin/wget', ['wget', '-q', '-O', '-', `http://198.51.100.${this.rr(2, 250)}/payload.sh`]);
    if (k < 84) return c('/usr/bin/make', ['make', '-j2', this.pick(['build', 'test', 'lint'])]);
    if (k < 87) return c('/usr/bin/node', this.pick([['node', 'dist/cli/main.js', '--help'], ['npm', 'run', 'build'], ['npm', 'test']]), { comm: 'node' });
    if (k < 89) return c('/usr/bin/cp', ['cp', '-a', this.pick(['/etc/nginx/nginx.conf', '.env', 'config.yaml']), `/tmp/${this.ri(1e4)}.bak`]);
    if (k < 90) return c('/usr/bin/busybox', ['busybox', 'wget', '-qO-', 'http://10.0.0.9:8080/metrics'], { comm: 'busybox' });
    if (k < 92) return c('/usr/bin/chmod', ['chmod', this.pick(['+x', '600', '0755']), this.pick(['deploy.sh', '/tmp/x.sh', '.ssh/id_ed25519'])]);
    return c('/usr/bin/dash', ['sh', '-c', this.pick(['echo "$PATH" | tr : "\\n"', 'for f in *.log; do gzip "$f"; done', 'cd /srv/app && git pull && npm ci',
      'printf "%s\\n" hello > /tmp/out.txt', 'ls | wc -l'])], { comm: 'sh' });
  }

  // ~0.1% of events: one argument long enough to be chunked over EXECVE records
  longCommand() {
    const k = this.ri(4);
    if (k === 0) {
      const jars = ['spring-core-6.1.3', 'jackson-databind-2.16.1', 'netty-all-4.1.104', 'guava-33.0.0-jre', 'log4j-core-2.22.1', 'postgresql-42.7.1'];
      let cp = '';
      const n = this.rr(120, 800);
      for (let i = 0; i < n; i++) cp += `${i ? ':' : ''}/opt/app/lib/${this.pick(jars)}-${i}.jar`;
      return { exe: '/usr/lib/jvm/java-17-openjdk-amd64/bin/java', comm: 'java', argv: ['java', '-Xmx512m', '-cp', cp, 'com.example.Main'] };
    }
    if (k === 1) {
      let script = 'set -e\n';
      const n = this.rr(60, 400);
      for (let i = 0; i < n; i++) script += `echo "step ${i}"; curl -fsS https://api.${this.pick(TLDS)}/v1/items/${this.ri(1e6)} -o /tmp/item-${i}.json\n`;
      return { exe: '/usr/bin/bash', comm: 'bash', argv: ['bash', '-c', script] };
    }
    if (k === 2) {
      const vals = [];
      const n = this.rr(80, 600);
      for (let i = 0; i < n; i++) vals.push(`(${this.ri(1e6)},'${this.pick(WORDS)}',${this.ri(1e4) / 100})`);
      return { exe: '/usr/lib/postgresql/15/bin/psql', comm: 'psql', argv: ['psql', '-U', 'postgres', '-c', `INSERT INTO orders (id, note, total) VALUES ${vals.join(',')};`] };
    }
    let blob = '';
    const n = this.rr(2000, 9000);
    const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (let i = 0; i < n; i++) blob += b64[this.ri(64)];
    return { exe: '/usr/bin/curl', comm: 'curl', argv: ['curl', '-X', 'POST', '-H', 'Content-Type: application/json', '-d', `{"data":"${blob}"}`, `https://api.${this.pick(TLDS)}/v1/upload`] };
  }

  // a command typed in a session: plain exec, or a sudo flow
  sessionCommand(s) {
    if (this.chance(0.03) && s.shell.uid !== 0) return this.startFlow(this.sudoFlow(s));
    const c = this.chance(0.0015 / 0.35) ? this.longCommand() : this.command(s);
    if (c.script && this.chance(0.2)) { // ./deploy.sh not executable yet
      const [e] = this.execEvent(s.shell, c, { fail: true });
      return e;
    }
    if (this.chance(0.003)) { // a 32-bit vendor binary: arch=i386, execve is syscall 11
      return this.execEvent(s.shell, { exe: '/opt/vendor/bin/licmgr32', comm: 'licmgr32', argv: ['/opt/vendor/bin/licmgr32', '--check', '--quiet'] }, { compat: true })[0];
    }
    const [e, child] = this.execEvent(s.shell, c);
    if (this.chance(0.3)) {
      // the command then does something
      const f = [];
      if (c.net || this.chance(0.3)) f.push(() => this.connectEvent(child, c.net ? this.pick(c.net) : undefined));
      else f.push(() => this.openatEvent(child));
      if (c.exe === '/usr/bin/rm') f.push(() => this.unlinkEvent(child));
      this.flows.push(f);
    }
    if (this.chance(0.1)) s.shell.cwd = this.pick([s.shell.home, '/var/log', '/etc/nginx', '/srv/app', '/tmp', `${s.shell.home}/project`, `${s.shell.home}/My Documents`]);
    return e;
  }

  sudoFlow(s) {
    this.st.sudo++;
    const u = s.shell;
    const c = this.command(s); // (a long one would overflow USER_CMD's 8560-byte payload)
    const argv = ['sudo', ...c.argv].slice(0, 8);
    let sudo;
    const term = s.tty === '(none)' ? '?' : s.tty.replace('pts', 'pts/');
    const tdev = s.tty === '(none)' ? '?' : `/dev/${term}`;
    const acct = UID_NAME.get(u.uid);
    const root = ACC.get('root');
    return [
      () => { const [e, p] = this.execEvent(u, { exe: '/usr/bin/sudo', argv, euid: 0, key: hexOf('exec\x01privileged') }); sudo = p; return e; },
      () => this.userRec('USER_ACCT', sudo, `op=PAM:accounting grantors=pam_permit acct="${acct}" exe="/usr/bin/sudo" hostname=? addr=? terminal=${tdev} res=success`),
      () => this.userRec('USER_CMD', sudo, `cwd=${U(u.cwd)} cmd=${U(c.argv.join(' '))} exe="/usr/bin/sudo" terminal=${term} res=success`),
      () => this.userRec('CRED_REFR', sudo, `op=PAM:setcred grantors=pam_permit acct="root" exe="/usr/bin/sudo" hostname=? addr=? terminal=${tdev} res=success`, 0),
      () => this.userRec('USER_START', sudo, `op=PAM:session_open grantors=pam_limits,pam_permit,pam_unix acct="root" exe="/usr/bin/sudo" hostname=? addr=? terminal=${tdev} res=success`, 0),
      () => { const [e] = this.execEvent({ ...sudo, cwd: u.cwd }, { ...c, acc: root, uid: 0, gid: 0, euid: 0, egid: 0 }); return e; },
      () => this.userRec('USER_END', sudo, `op=PAM:session_close grantors=pam_limits,pam_permit,pam_unix acct="root" exe="/usr/bin/sudo" hostname=? addr=? terminal=${tdev} res=success`, 0),
      () => this.userRec('CRED_DISP', sudo, `op=PAM:setcred grantors=pam_permit acct="root" exe="/usr/bin/sudo" hostname=? addr=? terminal=${tdev} res=success`, 0),
    ];
  }

  // ---- sessions
  nextPts() { const n = this.ptsNext; this.ptsNext = (this.ptsNext + 1) % 12; return n; }

  // Teleport: USER_LOGIN from the re-exec'd child (auid/ses unset), PAM (optional)
  // with pam_loginuid => LOGIN + new ses, shell, ..., USER_END op=session_close.
  teleportStart(interactive) {
    this.st.teleportSessions++;
    const acc = ACC.get(this.pick(['ubuntu', 'ubuntu', 'root', 'alice', 'bob', 'deploy']));
    const tuser = this.chance(0.01) ? 'Jane Doe' : this.pick(['alice@example.com', 'bob@example.com', 'carol@example.com', 'ci-bot', 'jane.doe@corp.example']);
    const pam = this.chance(0.6);
    const pts = interactive ? this.nextPts() : -1;
    const tty = interactive ? `pts${pts}` : '(none)';
    const term = interactive ? `/dev/pts/${pts}` : 'teleport';
    const addr = `${this.ip4()}:${this.rr(32768, 60999)}`;
    const s = { kind: 'teleport', acc, tty, pam, shell: null, child: null, ses: UNSET, term, addr, tuser };
    if (pam) this.st.teleportPam++;
    const base = (op, res) => `op=${op} acct="${acc.name}" exe="${TELEPORT_EXE}" hostname=? addr=${addr} terminal=${term} teleportUser=${tuser} res=${res}`;
    s.endMsg = () => base('session_close', 'success');
    const pamMsg = (op, grantors) => `op=${op} grantors=${grantors} acct="${acc.name}" exe="${TELEPORT_EXE}" hostname=${addr.split(':')[0]} addr=${addr.split(':')[0]} terminal=${interactive ? `/dev/pts/${pts}` : 'teleport'} res=success`;
    const steps = [
      () => { const [e, p] = this.execEvent(this.teleport, { exe: TELEPORT_EXE, argv: [TELEPORT_EXE, 'exec'], comm: 'teleport', key: '"exec"' }); s.child = p; return e; },
      () => this.userRec('USER_LOGIN', s.child, base('login', 'success')),
    ];
    if (this.chance(0.01)) { // login user does not exist: USER_ERR from the child, no USER_END
      steps.push(() => this.userRec('USER_ERR', s.child, base('invalid_user', 'failed').replace(`acct="${acc.name}"`, `acct="${this.pick(['oracle', 'admin', 'test'])}"`)));
      return steps;
    }
    if (pam) {
      steps.push(
        () => this.userRec('USER_ACCT', s.child, pamMsg('PAM:accounting', 'pam_permit')),
        () => this.userRec('CRED_ACQ', s.child, pamMsg('PAM:setcred', 'pam_permit')),
        () => { s.ses = this.sesNext++; const e = this.loginEvent(s.child, acc, s.ses); s.child = { ...s.child, auid: acc.uid, ses: s.ses, _sys: null, _enr: null }; return e; },
        () => this.userRec('USER_START', s.child, pamMsg('PAM:session_open', 'pam_loginuid,pam_env,pam_permit,pam_unix,pam_limits')),
      );
      s.pamMsg = pamMsg;
    }
    steps.push(() => {
      const shellArgv = interactive ? ['-bash'] : ['bash', '-c', this.pick(['uptime', 'df -h /', 'systemctl is-active nginx', 'cat /etc/os-release', 'docker ps -q | wc -l'])];
      const [e, sh] = this.execEvent(s.child, { exe: '/usr/bin/bash', argv: shellArgv, comm: 'bash', acc, uid: acc.uid, gid: acc.gid, cwd: acc.home, tty });
      s.shell = sh;
      if (interactive) this.sessions.push(s);
      return e;
    });
    if (!interactive) {
      steps.push(() => this.execEvent(s.shell, this.command(s))[0]);
      steps.push(...this.teleportEnd(s));
    }
    return steps;
  }

  teleportEnd(s) {
    const steps = [];
    if (s.pam) {
      steps.push(
        () => this.userRec('USER_END', s.child, s.pamMsg('PAM:session_close', 'pam_loginuid,pam_env,pam_permit,pam_unix,pam_limits')),
        () => this.userRec('CRED_DISP', s.child, s.pamMsg('PAM:setcred', 'pam_permit')),
      );
    }
    steps.push(() => this.userRec('USER_END', s.child, s.endMsg()));
    return steps;
  }

  teleportInvalid() {
    const msg = `op=invalid_user acct="${this.pick(['root', 'admin', 'ubuntu', 'postgres'])}" exe="${TELEPORT_EXE}" hostname=? addr=${this.ip4()}:${this.rr(32768, 60999)} terminal=teleport teleportUser=${this.pick(['mallory@example.com', 'bob@example.com', 'ci-bot'])} res=failed`;
    return this.userRec('USER_ERR', this.teleport, msg);
  }

  sshdStart() {
    this.st.sshdSessions++;
    const acc = ACC.get(this.pick(['alice', 'bob', 'carol', 'ubuntu', 'ci']));
    const ip = this.ip4();
    const pts = this.nextPts();
    const tty = `pts${pts}`;
    const s = { kind: 'sshd', acc, tty, ses: UNSET, shell: null, child: null };
    const priv = this.proc({ ppid: this.sshd.pid, exe: '/usr/sbin/sshd', argv: [`sshd: ${acc.name} [priv]`], acc: ACC.get('root') });
    s.child = priv;
    const pm = (op, grantors, term = 'ssh') => `op=${op}${grantors ? ` grantors=${grantors}` : ''} acct="${acc.name}" exe="/usr/sbin/sshd" hostname=${ip} addr=${ip} terminal=${term} res=success`;
    s.pm = pm;
    s.ip = ip;
    return [
      () => this.userRec('USER_AUTH', priv, `op=pubkey acct="${acc.name}" exe="/usr/sbin/sshd" hostname=? addr=${ip} terminal=ssh res=success`),
      () => this.userRec('USER_ACCT', priv, pm('PAM:accounting', 'pam_permit')),
      () => this.userRec('CRYPTO_KEY_USER', priv, `op=destroy kind=server fp=SHA256:${hexOf(acc.name).toLowerCase().slice(0, 8)}c1d2e3f4 direction=? spid=${priv.pid} suid=0  exe="/usr/sbin/sshd" hostname=? addr=${ip} terminal=? res=success`),
      () => this.userRec('CRED_ACQ', priv, pm('PAM:setcred', 'pam_permit')),
      () => { s.ses = this.sesNext++; const e = this.loginEvent(priv, acc, s.ses); s.child = { ...priv, auid: acc.uid, ses: s.ses, _sys: null, _enr: null }; return e; },
      () => this.userRec('USER_START', s.child, pm('PAM:session_open', 'pam_selinux,pam_loginuid,pam_keyinit,pam_permit,pam_umask,pam_unix,pam_systemd,pam_mail,pam_limits,pam_env')),
      () => this.userRec('USER_LOGIN', s.child, `op=login id=${acc.uid} exe="/usr/sbin/sshd" hostname=? addr=${ip} terminal=/dev/pts/${pts} res=success`),
      () => {
        const sessProc = { ...s.child, pid: this.newPid(), uid: acc.uid, gid: acc.gid, euid: acc.uid, egid: acc.gid, _sys: null, _enr: null };
        const [e, sh] = this.execEvent(sessProc, { exe: '/usr/bin/bash', argv: ['-bash'], comm: 'bash', acc, cwd: acc.home, tty });
        s.shell = sh;
        this.sessions.push(s);
        return e;
      },
    ];
  }

  sshdEnd(s) {
    return [
      () => this.userRec('USER_END', s.child, s.pm('PAM:session_close', 'pam_selinux,pam_loginuid,pam_keyinit,pam_permit,pam_umask,pam_unix,pam_systemd,pam_mail,pam_limits,pam_env')),
      () => this.userRec('USER_LOGOUT', s.child, `op=login id=${s.acc.uid} exe="/usr/sbin/sshd" hostname=? addr=? terminal=/dev/${s.tty.replace('pts', 'pts/')} res=success`),
      () => this.userRec('CRED_DISP', s.child, s.pm('PAM:setcred', 'pam_permit')),
    ];
  }

  sshdFailed() {
    const p = this.proc({ ppid: this.sshd.pid, exe: '/usr/sbin/sshd', argv: ['sshd: unknown [priv]'], acc: ACC.get('root') });
    const ip = this.ip4();
    const user = this.pick(['admin', 'test', 'oracle', 'root', 'ubuntu']);
    const known = user === 'root' || user === 'ubuntu';
    const acct = known ? `"${user}"` : hexOf('(invalid user)');
    return [
      () => this.userRec('USER_AUTH', p, `op=PAM:authentication grantors=? acct=${acct} exe="/usr/sbin/sshd" hostname=${ip} addr=${ip} terminal=ssh res=failed`),
      () => this.userRec('USER_LOGIN', p, `op=login acct=${acct} exe="/usr/sbin/sshd" hostname=? addr=${ip} terminal=ssh res=failed`),
    ];
  }

  cronFlow() {
    this.st.cronRuns++;
    const acc = ACC.get(this.chance(0.7) ? 'root' : 'www-data');
    const child = this.proc({ ppid: this.cron.pid, exe: '/usr/sbin/cron', argv: ['/usr/sbin/CRON', '-f', '-P'], comm: 'cron', acc: ACC.get('root') });
    const ses = this.sesNext++;
    const after = { ...child, auid: acc.uid, ses, _sys: null, _enr: null };
    const pm = (op, grantors) => `op=${op} grantors=${grantors} acct="${acc.name}" exe="/usr/sbin/cron" hostname=? addr=? terminal=cron res=success`;
    const job = acc.uid === 0
      ? this.pick(['command -v debian-sa1 > /dev/null && debian-sa1 1 1', '/usr/local/bin/backup.sh >> /var/log/backup.log 2>&1', 'test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily'])
      : this.pick(['cd /var/www/app && php artisan schedule:run >> /dev/null 2>&1', '/usr/bin/php /var/www/app/cron.php']);
    let sh;
    return [
      () => this.userRec('USER_ACCT', child, pm('PAM:accounting', 'pam_permit')),
      () => this.userRec('CRED_ACQ', child, pm('PAM:setcred', 'pam_permit,pam_cap')),
      () => this.loginEvent(child, acc, ses),
      () => this.userRec('USER_START', after, pm('PAM:session_open', 'pam_loginuid,pam_env,pam_env,pam_permit,pam_unix,pam_limits')),
      () => { const [e, p] = this.execEvent(after, { exe: '/usr/bin/dash', argv: ['/bin/sh', '-c', job], comm: 'sh', acc, uid: acc.uid, gid: acc.gid, cwd: acc.home }); sh = p; return e; },
      () => this.execEvent(sh, acc.uid === 0
        ? this.pick([{ exe: '/usr/lib/sysstat/sadc', argv: ['/usr/lib/sysstat/sadc', '-F', '-L', '-S', 'DISK', '1', '1', '/var/log/sysstat'] },
          { exe: '/usr/bin/bash', comm: 'backup.sh', script: '/usr/local/bin/backup.sh', interp: '/bin/bash', argv: ['/bin/bash', '/usr/local/bin/backup.sh'] }])
        : { exe: '/usr/bin/php8.2', comm: 'php', argv: ['php', 'artisan', 'schedule:run'] })[0],
      () => this.userRec('CRED_DISP', after, pm('PAM:setcred', 'pam_permit,pam_cap')),
      () => this.userRec('USER_END', after, pm('PAM:session_close', 'pam_loginuid,pam_env,pam_env,pam_permit,pam_unix,pam_limits')),
    ];
  }

  daemonExec() {
    const k = this.ri(10);
    if (k < 4) {
      let id = '';
      while (id.length < 64) id += this.ri(0x10000).toString(16).padStart(4, '0');
      return this.execEvent(this.containerd, this.pick([
        { exe: '/usr/bin/runc', argv: ['runc', '--root', '/var/run/docker/runtime-runc/moby', '--log', `/run/containerd/io.containerd.runtime.v2.task/moby/${id}/log.json`, 'state', id] },
        { exe: '/usr/bin/containerd-shim-runc-v2', comm: 'containerd-shim', argv: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'moby', '-address', '/run/containerd/containerd.sock'] },
      ]))[0];
    }
    if (k < 6) return this.execEvent(this.dockerd, { exe: '/usr/bin/dash', comm: 'sh', argv: ['/bin/sh', '-c', 'curl -fsS http://localhost:3000/health || exit 1'] })[0];
    if (k < 7) return this.execEvent(this.systemd, this.pick([{ exe: '/usr/sbin/logrotate', argv: ['/usr/sbin/logrotate', '/etc/logrotate.conf'] },
      { exe: '/usr/lib/apt/apt.systemd.daily', comm: 'apt.systemd.dai', script: '/usr/lib/apt/apt.systemd.daily', interp: '/bin/sh', argv: ['/bin/sh', '/usr/lib/apt/apt.systemd.daily', 'update'] },
      { exe: '/usr/bin/systemd-tmpfiles', argv: ['systemd-tmpfiles', '--clean'] }]))[0];
    if (k < 8 && this.chance(0.01)) { // rarely, a service started with a very long command line
      const c = this.longCommand();
      return this.execEvent(this.systemd, { ...c, acc: ACC.get('deploy') })[0];
    }
    return this.execEvent(this.teleport, { exe: TELEPORT_EXE, argv: [TELEPORT_EXE, 'exec'], comm: 'teleport' })[0];
  }

  serviceRec(type, unit) {
    return this.userRec(type, this.systemd, `unit=${unit} comm="systemd" exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success`);
  }

  startFlow(steps) {
    const first = steps.shift();
    if (steps.length) this.flows.push(steps);
    return first();
  }

  // the next event's records, for whatever the simulated machine does next
  background() {
    if (this.profile === 'bastion') return this.bastionBackground();
    if (this.profile === 'exec') return this.execBackground();
    if (this.nowMs >= this.nextCron) {
      this.nextCron += 60000;
      return this.startFlow(this.cronFlow());
    }
    const ns = this.sessions.length;
    const x = this.r();
    if (x < 0.0025 || (ns < 2 && x < 0.02)) {
      if (ns < 9) return this.startFlow(this.chance(0.7) ? this.teleportStart(true) : this.sshdStart());
    }
    if (x < 0.005 && ns > 2) { // end a session
      const s = this.sessions.splice(this.ri(ns), 1)[0];
      return this.startFlow(s.kind === 'teleport' ? this.teleportEnd(s) : this.sshdEnd(s));
    }
    if (x < 0.008) return this.startFlow(this.teleportStart(false));
    if (x < 0.009) return this.teleportInvalid();
    if (x < 0.0105) return this.startFlow(this.sshdFailed());
    if (x < 0.0115) return this.serviceRec(this.pick(['SERVICE_START', 'SERVICE_STOP']), this.pick(['apt-daily', 'sysstat-collect', 'logrotate', 'man-db', 'fstrim', 'systemd-tmpfiles-clean']));
    if (x < 0.0120) { const t = this.pick(this.recent.length ? this.recent : this.daemons); return this.killEvent(this.pick([...this.sessions.map((s) => s.shell), this.dockerd]) || this.systemd, t); }
    if (x < 0.36 && ns) return this.sessionCommand(this.pick(this.sessions));
    if (x < 0.42) return this.daemonExec();
    if (x < 0.70) {
      const p = this.recent.length && this.chance(0.35) ? this.pick(this.recent) : this.pick(this.daemons);
      return this.openatEvent(p);
    }
    if (x < 0.88) {
      const p = this.recent.length && this.chance(0.2) ? this.pick(this.recent) : this.pick(this.daemons);
      return this.connectEvent(p);
    }
    if (x < 0.95) return this.cloneEvent(this.pick(this.daemons));
    return this.unlinkEvent(this.pick(this.recent.length ? this.recent : this.daemons));
  }

  // bastion profile: a login host; most events are sessions (Teleport, sshd), PAM, sudo, cron
  bastionBackground() {
    const ns = this.sessions.length;
    const x = this.r();
    if (x < 0.08 && ns < 9) return this.startFlow(this.chance(0.6) ? this.teleportStart(true) : this.sshdStart());
    if (x < 0.16 && ns > 2) {
      const s = this.sessions.splice(this.ri(ns), 1)[0];
      return this.startFlow(s.kind === 'teleport' ? this.teleportEnd(s) : this.sshdEnd(s));
    }
    if (x < 0.28) return this.startFlow(this.teleportStart(false));
    if (x < 0.40) return this.startFlow(this.sshdFailed());
    if (x < 0.46) return this.teleportInvalid();
    if (x < 0.54) return this.startFlow(this.cronFlow());
    if (x < 0.66 && ns) { const s = this.pick(this.sessions); if (s.shell.uid !== 0) return this.startFlow(this.sudoFlow(s)); }
    if (x < 0.67 && ns) return this.execEvent(this.pick(this.sessions).shell, this.command(this.pick(this.sessions)))[0];
    if (x < 0.68) return this.connectEvent(this.pick([this.teleport, this.sshd]));
    if (x < 0.69) return this.openatEvent(this.pick([this.teleport, this.sshd]));
    if (x < 0.86) return this.startFlow(this.sshdFailed());
    return this.serviceRec(this.pick(['SERVICE_START', 'SERVICE_STOP']), this.pick(['user@1001', 'session-c1', 'apt-daily', 'logrotate']));
  }

  // exec profile: a build / CI box; nearly every event is an execve, some with long split arguments
  execBackground() {
    const ns = this.sessions.length;
    if (ns < 3) return this.startFlow(this.teleportStart(true));
    const x = this.r();
    if (x < 0.02) return this.execEvent(this.pick(this.sessions).shell, this.longCommand())[0];
    if (x < 0.78) { const s = this.pick(this.sessions); return this.execEvent(s.shell, this.command(s))[0]; }
    if (x < 0.95) return this.daemonExec();
    return this.cloneEvent(this.pick(this.daemons));
  }

  // next event that fits the record budget
  nextEvent(budget) {
    if (this.held && --this.held.after <= 0) {
      const h = this.held;
      this.held = null;
      if (h.ev.lines.length <= budget) return h.ev;
    }
    for (let tries = 0; tries < 30; tries++) {
      let e;
      if (this.flows.length && this.chance(0.6)) {
        const i = this.ri(this.flows.length);
        const f = this.flows[i];
        e = f.shift()();
        if (!f.length) this.flows.splice(i, 1);
        if (e.lines.length > budget) { this.flows = []; continue; }
        return e;
      }
      e = this.background();
      if (e.lines.length > budget) { this.flows = []; continue; }
      if (!this.held && budget > 64 && this.chance(0.004)) { // written late
        this.held = { ev: e, after: this.rr(1, 4) };
        this.st.heldEvents++;
        this.quiet = false; // no idle gap before the late event is written (auparse's 2 s window)
        continue;
      }
      return e;
    }
    return this.serviceRec('SERVICE_START', 'fill');
  }

  // ---- main loop: budget-exact, with interleaving bursts
  async run(N, out) {
    const typeCount = new Map();
    let events = 0, records = 0, maxLine = 0, bytes = 0;
    let parts = [];
    let partsLen = 0;
    const flush = async (force) => {
      if (!parts.length || (!force && partsLen < 1 << 20)) return;
      const chunk = parts.join('');
      parts = [];
      partsLen = 0;
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    };
    const emit = (line) => {
      const sp = line.indexOf(' ', 5);
      const t = line.slice(5, sp);
      typeCount.set(t, (typeCount.get(t) || 0) + 1);
      if (line.length > maxLine) maxLine = line.length;
      parts.push(line, '\n');
      partsLen += line.length + 1;
      records++;
    };

    let budget = N;
    if (budget > 0) { // auditd's own start record
      const e = this.ev();
      e.r('DAEMON_START', `op=start ver=3.0.9 format=enriched kernel=6.1.0-27-amd64 auid=4294967295 pid=612 uid=0 ses=4294967295 subj=unconfined res=success`, 'AUID="unset" UID="root"');
      emit(e.lines[0]);
      budget--; events++;
    }
    const active = [];
    let conc = 1, burstLeft = 0;
    while (budget > 0 || active.length) {
      if (active.length === 0 && burstLeft <= 0) {
        if (this.chance(0.02)) { conc = this.rr(2, 4); burstLeft = this.rr(3, 10); } else conc = 1;
      }
      while (active.length < conc && budget > 0) {
        this.quiet = active.length === 0 && !this.held;
        const withEoe = this.profile === 'bastion' && budget > 1;
        const e = this.nextEvent(withEoe ? budget - 1 : budget);
        if (withEoe && e.lines.length > 1 && !e.lines[e.lines.length - 1].startsWith('type=EOE ')) { e.eoe(); this.st.eoeAfterProctitle++; }
        budget -= e.lines.length;
        events++;
        if (conc > 1) { this.st.interleavedEvents++; burstLeft--; }
        active.push({ lines: e.lines, i: 0 });
      }
      if (burstLeft <= 0) conc = 1;
      const k = active.length === 1 ? 0 : this.ri(active.length);
      const a = active[k];
      emit(a.lines[a.i++]);
      if (a.i === a.lines.length) active.splice(k, 1);
      if (partsLen >= 1 << 20) await flush(false);
    }
    await flush(true);
    const byType = Object.fromEntries([...typeCount.entries()].sort((a, b) => b[1] - a[1]));
    return {
      records, events, bytes, maxLine, byType,
      auparseExpected: { records: records - this.st.eoeAfterProctitle, events: events + this.st.loginSplit },
      ...this.st,
      logSeconds: 0,
    };
  }
}

class Event {
  constructor(stamp) { this.h = `msg=audit(${stamp}):`; this.lines = []; }
  r(type, body, enr) {
    this.lines.push(enr ? `type=${type} ${this.h} ${body}${GS}${enr}` : `type=${type} ${this.h} ${body}`);
  }
  eoe() { this.lines.push(`type=EOE ${this.h}`); }
}

// ---------------------------------------------------------------- main

export async function generate({ records = 1_000_000, seed = '1', out = '-', profile = 'syscall' } = {}) {
  const g = new Generator(String(seed), profile);
  const t0 = g.nowMs;
  let stream;
  if (out === '-') {
    stream = process.stdout;
  } else {
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    stream = fs.createWriteStream(out, { highWaterMark: 4 << 20 });
  }
  const stats = await g.run(records, stream);
  stats.logSeconds = Math.round((g.nowMs - t0) / 1000);
  stats.seed = String(seed);
  stats.profile = profile;
  if (stream !== process.stdout) {
    await new Promise((resolve, reject) => { stream.on('error', reject); stream.end(resolve); });
  }
  return stats;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.out === '-' && process.stdout.isTTY) {
    process.stderr.write('generate: refusing to write to a terminal; use --out FILE or a pipe\n');
    process.exit(2);
  }
  const t0 = process.hrtime.bigint();
  const s = await generate(o);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stderr.write(`generate: records=${s.records} events=${s.events} bytes=${s.bytes} max_line=${s.maxLine} `
    + `seed=${s.seed} profile=${s.profile} log_span=${s.logSeconds}s out=${o.out} time=${secs.toFixed(2)}s\n`);
  if (o.stats) process.stderr.write(JSON.stringify(s, null, 2) + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => { process.stderr.write(`generate: ${err.stack || err}\n`); process.exit(1); });
}

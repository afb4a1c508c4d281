/**
 * Teleport attribution: every event of a Teleport session carries `teleport.user`
 * (docs/auditd-format.md §7).
 *
 * - A Teleport record (USER_LOGIN op=login, USER_END op=session_close, USER_ERR
 *   op=invalid_user, with `teleportUser=`) is attributed by itself ("record").
 * - USER_LOGIN binds its sender pid (the `teleport exec` child) to the identity; a valid `ses`
 *   on it binds the session too. A kernel LOGIN record from that pid assigning `ses=N` binds
 *   (node, boot, N) — the PAM case.
 * - Events whose ses is bound are attributed "session". ses is unique within a boot, so a
 *   process the user left running after logout stays attributed.
 * - Without PAM, ses stays unset: a process whose parent (ppid, or the clone/fork that
 *   created it) is bound belongs to the same session ("process"). A pid seen with another
 *   parent or another session than the one it was bound with has been reused and is
 *   forgotten; a process binding also ends when the process exits, and all of a session's
 *   process bindings end `graceSecs` after its USER_END.
 * - Never joins on ses=4294967295. Keys are scoped by node and boot (BootTracker).
 * - State is bounded (LRU) and exportable, so a restarted shipper attributes as before.
 */
import type { AuditshipEvent, TeleportIdentity } from '../event/types.js'
import { BootTracker, type BootState } from './boot.js'
import { UNSET_ID } from '../audit/ids.js'

const T_LOGIN = 'LOGIN'
const TELEPORT_OPS: Record<string, 'login' | 'end' | 'error'> = { login: 'login', session_close: 'end', invalid_user: 'error' }
const FORK_SYSCALLS = new Set(['clone', 'clone3', 'fork', 'vfork'])
const EXIT_SYSCALLS = new Set(['exit', 'exit_group'])

export interface TeleportOptions {
  /** log-time seconds that process bindings outlive the session's USER_END */
  graceSecs: number
  maxSessions: number
  maxProcesses: number
}

export const DEFAULT_TELEPORT: TeleportOptions = { graceSecs: 10, maxSessions: 10000, maxProcesses: 100000 }

interface Identity {
  user: string
  login?: string
  addr?: string
  terminal?: string
  /** pid of the teleport exec child */
  pid?: number
  ses?: string
  /** log time of USER_END, once seen */
  endedAt?: number
  /** unique id of this login, to find its process bindings */
  id: number
}

interface ProcBinding {
  identity: number
  /** the parent pid we learned for this process, when known */
  ppid?: number
}

export interface TeleportState {
  boots: BootState
  nextId: number
  identities: Array<[number, Identity]>
  sessions: Array<[string, number]>
  processes: Array<[string, ProcBinding]>
}

/** A Map used as an LRU: reads refresh, inserts beyond `max` drop the oldest. */
class Lru<K, V> {
  readonly map = new Map<K, V>()
  constructor (private readonly max: number) {}
  get (k: K): V | undefined {
    const v = this.map.get(k)
    if (v !== undefined) { this.map.delete(k); this.map.set(k, v) }
    return v
  }

  set (k: K, v: V): void {
    this.map.delete(k)
    this.map.set(k, v)
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K)
  }

  delete (k: K): void { this.map.delete(k) }
}

/**
 * A copy of `s` that does not keep its source alive: values sliced from a read chunk would
 * otherwise pin the whole chunk for as long as the binding lives.
 */
function detach (s: string | undefined): string | undefined {
  return s === undefined ? undefined : (' ' + s).slice(1)
}

function int (v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  return Number.isInteger(n) && n >= 0 ? n : undefined
}

export class TeleportJoin {
  private readonly boots = new BootTracker()
  private nextId = 1
  private identities: Lru<number, Identity>
  /** scope|ses → identity id */
  private sessions: Lru<string, number>
  /** scope|pid → binding */
  private processes: Lru<string, ProcBinding>
  readonly stats = { record: 0, session: 0, process: 0 }

  constructor (private readonly opts: TeleportOptions = DEFAULT_TELEPORT) {
    this.identities = new Lru(opts.maxSessions * 2)
    this.sessions = new Lru(opts.maxSessions)
    this.processes = new Lru(opts.maxProcesses)
  }

  /** Attribute one event (in place); events must come in read order. */
  apply (doc: AuditshipEvent): void {
    const recs = doc.auditd.records
    const primary = recs.find((r) => r.type === 'SYSCALL') ?? recs[0]
    const f = primary.fields
    const sec = Date.parse(doc['@timestamp']) / 1000
    // every record but auditd's own DAEMON_* is stamped by the kernel's serial counter
    const kernel = !primary.type.startsWith('DAEMON_')
    const boot = this.boots.observe(doc.auditd.node ?? '', doc.auditd.sequence, sec, kernel, primary.type === 'DAEMON_START')
    const scope = `${doc.auditd.node ?? ''}|${boot}|`

    // 1. Teleport's own records
    const op = f.teleportUser !== undefined && (primary.type === 'USER_LOGIN' || primary.type === 'USER_END' || primary.type === 'USER_ERR')
      ? TELEPORT_OPS[f.op] : undefined
    if (op !== undefined && f.teleportUser !== '') {
      const pid = int(f.pid)
      const ses = f.ses !== undefined && f.ses !== UNSET_ID ? f.ses : undefined
      let ident: Identity | undefined
      if (op === 'login') {
        ident = {
          id: this.nextId++, user: detach(f.teleportUser) as string, login: detach(f.acct), addr: detach(f.addr), terminal: detach(f.terminal), pid, ses: detach(ses),
        }
        this.identities.set(ident.id, ident)
        if (pid !== undefined) this.processes.set(scope + pid, { identity: ident.id })
        if (ident.ses !== undefined) this.sessions.set(scope + ident.ses, ident.id)
      } else if (op === 'end') {
        const bound = pid === undefined ? undefined : this.processes.get(scope + pid)
        ident = bound === undefined ? undefined : this.identities.get(bound.identity)
        if (ident === undefined && ses !== undefined) {
          const id = this.sessions.get(scope + ses)
          ident = id === undefined ? undefined : this.identities.get(id)
        }
        if (ident !== undefined && ident.user === f.teleportUser) ident.endedAt = sec
      }
      this.attribute(doc, ident ?? { id: 0, user: f.teleportUser, login: f.acct, addr: f.addr, terminal: f.terminal, pid, ses }, 'record')
      return
    }

    const pid = int(f.pid)
    const ppid = int(f.ppid)
    const ses = f.ses !== undefined && f.ses !== UNSET_ID ? f.ses : undefined

    // 2. pid reuse: a bound pid shows up with another parent than the one we knew
    if (pid !== undefined && ppid !== undefined) {
      const b = this.processes.get(scope + pid)
      if (b !== undefined) {
        if (b.ppid === undefined) b.ppid = ppid
        else if (b.ppid !== ppid) this.processes.delete(scope + pid)
      }
    }

    // 3. PAM: the kernel LOGIN record from the bound child assigns the session id
    for (const r of recs) {
      if (r.type !== T_LOGIN) continue
      const lpid = int(r.fields.pid)
      const newSes = r.fields.ses
      if (lpid === undefined || newSes === undefined || newSes === UNSET_ID) continue
      const b = this.processes.get(scope + lpid)
      const ident = b === undefined ? undefined : this.live(b.identity, sec)
      if (ident !== undefined) {
        ident.ses = detach(newSes)
        this.sessions.set(scope + ident.ses, ident.id)
      }
    }

    // 4. by session, then by process tree
    let ident: Identity | undefined
    let how: 'session' | 'process' | undefined
    if (ses !== undefined) {
      const id = this.sessions.get(scope + ses)
      ident = id === undefined ? undefined : this.identities.get(id)
      if (ident !== undefined) how = 'session'
    }
    if (ident === undefined && pid !== undefined) {
      const b = this.processes.get(scope + pid)
      let cand = b === undefined ? undefined : this.live(b.identity, sec)
      if (cand !== undefined && ses !== undefined && cand.ses !== undefined && cand.ses !== ses) {
        this.processes.delete(scope + pid) // another session now owns this pid
        cand = undefined
      }
      if (cand === undefined && ppid !== undefined) {
        const pb = this.processes.get(scope + ppid)
        const parent = pb === undefined ? undefined : this.live(pb.identity, sec)
        if (parent !== undefined && (ses === undefined || parent.ses === undefined || parent.ses === ses)) {
          cand = parent
          this.processes.set(scope + pid, { identity: parent.id, ppid })
        }
      }
      if (cand !== undefined) { ident = cand; how = 'process' }
    }
    if (ident === undefined || how === undefined) return

    // 5. learn children from fork-like syscalls; forget exited processes
    const sc = doc.auditd.syscall
    if (sc !== undefined && pid !== undefined) {
      if (FORK_SYSCALLS.has(sc) && f.success === 'yes') {
        const child = int(f.exit)
        if (child !== undefined && child > 0) {
          this.processes.set(scope + child, { identity: ident.id, ppid: pid })
        }
      } else if (EXIT_SYSCALLS.has(sc)) {
        this.processes.delete(scope + pid)
      }
    }
    this.attribute(doc, ident, how)
  }

  /** The identity if its process bindings are still valid at log time `sec`. */
  private live (id: number, sec: number): Identity | undefined {
    const ident = this.identities.get(id)
    if (ident === undefined) return undefined
    if (ident.endedAt !== undefined && sec > ident.endedAt + this.opts.graceSecs) return undefined
    return ident
  }

  private attribute (doc: AuditshipEvent, ident: Identity, how: 'record' | 'session' | 'process'): void {
    const t: TeleportIdentity = { user: ident.user, attribution: how }
    if (ident.login !== undefined) t.login = ident.login
    if (ident.addr !== undefined && ident.addr !== '?') t.addr = ident.addr
    if (ident.terminal !== undefined) t.terminal = ident.terminal
    if (ident.ses !== undefined) t.session = ident.ses
    if (ident.pid !== undefined) t.pid = ident.pid
    doc.teleport = t
    this.stats[how]++
  }

  exportState (): TeleportState {
    return {
      boots: this.boots.exportState(),
      nextId: this.nextId,
      identities: [...this.identities.map],
      sessions: [...this.sessions.map],
      processes: [...this.processes.map],
    }
  }

  importState (s: TeleportState): void {
    this.boots.importState(s.boots)
    this.nextId = s.nextId
    for (const [k, v] of s.identities) this.identities.set(k, { ...v })
    for (const [k, v] of s.sessions) this.sessions.set(k, v)
    for (const [k, v] of s.processes) this.processes.set(k, { ...v })
  }
}

/**
 * Process bindings of the Teleport join (teleport.ts): which (node, boot, pid) belongs to
 * which Teleport login, and the evidence that ends a binding.
 *
 * A pid names a process only until the process dies; then the kernel hands the number out
 * again. A binding therefore ends on evidence that the pid now names another process:
 * - an exit (exit, exit_group) of the pid;
 * - a fork/clone/vfork/clone3 exit returning the pid from a process that is not of the
 *   binding's login (the caller of teleport.ts decides and calls `forget`);
 * - an event of the pid whose parent changed to a process outside the login, other than
 *   pid 1: a live process changes its parent only when its parent dies and it is re-parented
 *   to init or to a subreaper among its ancestors (inside the login when it is one we know);
 * - an execve of the pid while its parent is outside the login: the login's own processes
 *   are forked by processes of the login; only the teleport exec child (parent: the Teleport
 *   daemon) and re-parented orphans (parent: pid 1) have an outside parent, and the child
 *   never executes anything after its USER_LOGIN. So this is a new process that got the pid
 *   — typically the next session's `teleport exec` child, which even has the same parent;
 * - an event of the pid with a valid audit session id other than the login's.
 * A binding is never taken for a new process because its ppid number matches.
 */
import { Lru, type Identity, type ProcBinding } from './teleport-model.js'
import type { Undo } from './teleport-journal.js'

export class ProcessTable {
  readonly lru: Lru<string, ProcBinding>

  /** `note` is told every change, as the value before it (the undo journal) */
  constructor (max: number, private readonly identity: (id: number) => Identity | undefined, private readonly note: (u: Undo) => void) {
    this.lru = new Lru(max)
    this.lru.onEvict = (k, v) => note(['p', k, v])
  }

  /** The binding of `key` that holds for an event at log time `sec` (not one learnt later). */
  at (key: string, sec: number): ProcBinding | undefined {
    const b = this.lru.get(key)
    return b !== undefined && (b.since === undefined || b.since <= sec) ? b : undefined
  }

  bind (key: string, identity: number, ppid: number | undefined, since: number): void {
    const b: ProcBinding = { identity, since }
    if (ppid !== undefined) b.ppid = ppid
    this.noteOf(key)
    this.lru.set(key, b)
  }

  /** End the binding of `key` as of `sec` (a binding learnt after `sec` is left alone). */
  forget (key: string, sec: number): void {
    if (this.at(key, sec) !== undefined) this.drop(key)
  }

  /** Restore a saved state. */
  load (entries: Array<[string, ProcBinding]>): void {
    for (const [k, v] of entries) this.lru.set(k, { ...v })
  }

  private drop (key: string): void {
    this.noteOf(key)
    this.lru.delete(key)
  }

  private noteOf (key: string): void {
    const prev = this.lru.map.get(key)
    this.note(['p', key, prev === undefined ? null : { ...prev }])
  }

  /** Is `key` a process of login `identity` at `sec`? */
  inside (key: string, identity: number, sec: number): boolean {
    return this.at(key, sec)?.identity === identity
  }

  /** Apply what an event of `pid` (with `ppid`, `ses`; `exec` for execve) says about its binding. */
  check (scope: string, pid: number, ppid: number | undefined, ses: string | undefined, exec: boolean, sec: number): void {
    const key = scope + pid
    const b = this.at(key, sec)
    if (b === undefined) return
    const ident = this.identity(b.identity)
    if (ident === undefined) { this.drop(key); return }
    // another (PAM) session now owns this pid
    if (ses !== undefined && ident.ses !== undefined && ses !== ident.ses) { this.drop(key); return }
    if (ppid === undefined) return
    const inside = this.inside(scope + ppid, b.identity, sec)
    if (b.ppid !== undefined && b.ppid !== ppid && ppid !== 1 && !inside) {
      this.drop(key) // a parent change that is no re-parenting: a new process
    } else if (exec && !inside) {
      this.drop(key) // an execve whose parent is outside the login: a new process
    } else if (b.ppid !== ppid) {
      // first sighting, or re-parented to pid 1 / a subreaper of the login
      this.noteOf(key)
      b.ppid = ppid
    }
  }
}

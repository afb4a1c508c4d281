/**
 * Boot detection per node (docs/auditd-format.md §6, §7.3 step 5).
 *
 * Audit session ids and pids are only unique within one boot of one node, so every join key
 * is scoped by (node, boot). A new boot is recognised when the kernel's serial counter
 * restarts: a kernel record whose serial is well below the highest seen (and that is not a
 * wrap at 2^32), or, after a DAEMON_START, any drop beyond reordering (50, or half the highest
 * serial when that is small: a boot that logged little before the next reboot); or when log
 * time jumps back by more than an hour. An auditd restart without a reboot keeps the kernel
 * counter running and so keeps the boot. Each node is tracked on its own.
 */

const WRAP_HIGH = 4294967295 - (1 << 24)
const WRAP_LOW = 1 << 24
/** serials of interleaved events are not monotonic; drops smaller than this are reordering */
const REORDER_MARGIN = 5000
/** after a DAEMON_START: a reboot restarts the counter near 0, an auditd restart keeps it rising */
const AFTER_START_MARGIN = 50
const AFTER_START_MIN_MARGIN = 8
const BACKWARD_JUMP_SECS = 3600

export interface NodeBoot {
  boot: number
  maxSerial: number
  maxSec: number
  /** a DAEMON_START was seen and no kernel record since */
  daemonStarted: boolean
  /**
   * After a restart the log is read again from the checkpoint, behind the state saved with
   * it: until the serial passes the highest one seen before, a drop is the replay, not a reboot.
   */
  replayUntil?: number
}

export interface BootState {
  [node: string]: NodeBoot
}

export class BootTracker {
  private nodes = new Map<string, NodeBoot>()

  /** Feed one event's identity; returns the boot number to scope its keys with. */
  observe (node: string, serial: number, sec: number, isKernel: boolean, isDaemonStart: boolean): number {
    let n = this.nodes.get(node)
    if (n === undefined) {
      n = { boot: 0, maxSerial: isKernel ? serial : 0, maxSec: sec, daemonStarted: false }
      this.nodes.set(node, n)
      return 0
    }
    if (n.replayUntil !== undefined) {
      if (serial <= n.replayUntil && sec <= n.maxSec) return n.boot
      n.replayUntil = undefined
    }
    if (isDaemonStart) { n.daemonStarted = true; return n.boot }
    if (!isKernel) return n.boot
    const wrapped = n.maxSerial > WRAP_HIGH && serial < WRAP_LOW
    const margin = n.daemonStarted ? Math.min(AFTER_START_MARGIN, Math.max(AFTER_START_MIN_MARGIN, Math.floor(n.maxSerial / 2))) : REORDER_MARGIN
    const reset = !wrapped && serial + margin < n.maxSerial
    const jumpedBack = sec + BACKWARD_JUMP_SECS < n.maxSec
    n.daemonStarted = false
    if (reset || jumpedBack) {
      n.boot++
      n.maxSerial = serial
      n.maxSec = sec
      return n.boot
    }
    if (serial > n.maxSerial || wrapped) n.maxSerial = serial
    if (sec > n.maxSec) n.maxSec = sec
    return n.boot
  }

  /** A copy of what is known of `node` (to note it before a change). */
  peek (node: string): NodeBoot | undefined {
    const n = this.nodes.get(node)
    return n === undefined ? undefined : { ...n }
  }

  exportState (): BootState {
    return Object.fromEntries(this.nodes)
  }

  /** Restore after a restart: what is read first is a replay of what was seen (see replayUntil). */
  importState (s: BootState): void {
    this.nodes = new Map(Object.entries(s).map(([k, v]) => [k, { ...v, replayUntil: v.maxSerial }]))
  }
}

/**
 * Serial gaps (docs/design.md §3.6): records that never reached the log.
 *
 * The kernel numbers every audit message it sends with one counter per boot; a serial that is
 * skipped between two that arrive is a record lost on the way (kernel backlog, auditd's queue,
 * a rotation the daemon did not see). Counted per node and boot (BootTracker), before filter
 * rules run, so events auditship drops on purpose never make a gap.
 *
 * MUST NOT count reordering: events finish out of serial order (interleaved records, timeouts),
 *      so a gap is kept open and a late serial inside it closes its part; only what is still
 *      missing `windowSecs` of log time after the gap was seen is counted.
 * MUST start anew at a reboot (the counter restarts): the gaps still open then are counted.
 * MUST skip auditd's own DAEMON_* records: they carry auditd's numbering, not the kernel's.
 * SHOULD stay bounded: at most MAX_OPEN gaps open per node (the oldest is counted beyond it).
 */
import { BootTracker } from './boot.js'

const MAX_OPEN = 1024
const WRAP_HIGH = 4294967295 - (1 << 24)
const WRAP_LOW = 1 << 24

interface Gap { lo: number, hi: number, sec: number }

interface NodeSerials {
  boot: number
  hi: number
  maxSec: number
  /** missing serials not yet counted, by lo */
  open: Gap[]
}

export interface GapStats {
  /** gaps counted (a run of consecutive missing serials is one) */
  gaps: number
  /** serials missing in them */
  missing: number
}

export class SerialGaps {
  readonly stats: GapStats = { gaps: 0, missing: 0 }
  private readonly boots = new BootTracker()
  private readonly nodes = new Map<string, NodeSerials>()

  constructor (private readonly windowSecs: number) {}

  /** One event's identity (its primary record's type decides kernel or daemon numbering). */
  observe (node: string, serial: number, sec: number, type: string): void {
    const daemon = type.startsWith('DAEMON_')
    const boot = this.boots.observe(node, serial, sec, !daemon, type === 'DAEMON_START')
    if (daemon) return
    const n = this.nodes.get(node)
    if (n === undefined || n.boot !== boot) {
      if (n !== undefined) this.countAll(n)
      this.nodes.set(node, { boot, hi: serial, maxSec: sec, open: [] })
      return
    }
    if (sec > n.maxSec) n.maxSec = sec
    if (serial > n.hi) {
      if (serial > n.hi + 1) this.opened(n, { lo: n.hi + 1, hi: serial - 1, sec })
      n.hi = serial
    } else if (n.hi > WRAP_HIGH && serial < WRAP_LOW) {
      n.hi = serial // the counter wrapped at 2^32
    } else if (serial < n.hi) {
      this.arrived(n, serial)
    }
    this.expire(n)
  }

  /** End of input: what is still missing will not come. */
  end (): void {
    for (const n of this.nodes.values()) this.countAll(n)
  }

  private opened (n: NodeSerials, g: Gap): void {
    n.open.push(g)
    if (n.open.length > MAX_OPEN) this.count(n.open.shift() as Gap)
  }

  /** A late serial: take it out of the open gap that holds it (splitting it). */
  private arrived (n: NodeSerials, serial: number): void {
    const open = n.open
    for (let i = open.length - 1; i >= 0; i--) {
      const g = open[i]
      if (serial < g.lo || serial > g.hi) continue
      const parts: Gap[] = []
      if (g.lo < serial) parts.push({ lo: g.lo, hi: serial - 1, sec: g.sec })
      if (serial < g.hi) parts.push({ lo: serial + 1, hi: g.hi, sec: g.sec })
      open.splice(i, 1, ...parts)
      return
    }
  }

  private expire (n: NodeSerials): void {
    const open = n.open
    let k = 0
    while (k < open.length && open[k].sec + this.windowSecs < n.maxSec) this.count(open[k++])
    if (k > 0) open.splice(0, k)
  }

  private countAll (n: NodeSerials): void {
    for (const g of n.open) this.count(g)
    n.open = []
  }

  private count (g: Gap): void {
    this.stats.gaps++
    this.stats.missing += g.hi - g.lo + 1
  }
}

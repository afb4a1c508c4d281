/**
 * Which endpoint of a sink a request goes to.
 *
 * MUST take the endpoints in turn (round-robin), skipping those that failed recently.
 * MUST skip an endpoint that failed (no connection, or a 5xx answer) for the exponential bound
 *      of backoff.ts without jitter (1 s, doubling per failure in a row, up to 30 s) while
 *      another one works; when all are skipped, the one whose skip ends first is tried anyway.
 * MUST fail over to the next endpoint at once when the failure says nothing was sent (a
 *      connect error), each endpoint at most once per request; any other failure, or a request
 *      bound to one endpoint (HEC acks go where the data went), is the caller's to handle.
 */
import { exponentialMs } from '../backoff.js'

const SKIP = { initialMs: 1000, maxMs: 30_000 }

export interface FailoverRules<T> {
  /** the answer counts as the endpoint's failure (5xx): skip it for a while, but return the answer */
  failed: (answer: T) => boolean
  /** the error says nothing was sent: the next endpoint may be tried at once */
  retryElsewhere: (err: unknown) => boolean
  /** a reason not to try (another) endpoint, e.g. the client is closed */
  refuse?: () => Error | undefined
}

export class Endpoints {
  private readonly downUntil: number[]
  private readonly failures: number[]
  private next = 0

  constructor (readonly count: number) {
    this.downUntil = new Array<number>(count).fill(0)
    this.failures = new Array<number>(count).fill(0)
  }

  /** Round-robin over the endpoints not skipped nor in `exclude`; if all are skipped, the one back soonest; -1 if all are excluded. */
  pick (exclude: ReadonlySet<number> = new Set()): number {
    const now = Date.now()
    const n = this.count
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n
      if (!exclude.has(i) && this.downUntil[i] <= now) { this.next = (i + 1) % n; return i }
    }
    let best = -1
    for (let i = 0; i < n; i++) if (!exclude.has(i) && (best < 0 || this.downUntil[i] < this.downUntil[best])) best = i
    return best
  }

  /** The endpoint failed: skip it for a while (longer after each failure in a row). */
  failed (i: number): void {
    this.failures[i]++
    this.downUntil[i] = Date.now() + exponentialMs(this.failures[i], SKIP)
  }

  /** The endpoint answered: no longer skipped. */
  ok (i: number): void {
    this.failures[i] = 0
    this.downUntil[i] = 0
  }

  /**
   * Run `attempt` on the next endpoint (or on `fixed` alone), failing over as the rules say.
   * Throws the last failure when no endpoint is left to try.
   */
  async send<T> (fixed: number | undefined, attempt: (i: number) => Promise<T>, rules: FailoverRules<T>): Promise<T> {
    const tried = new Set<number>()
    let last: unknown
    for (;;) {
      const refused = rules.refuse?.()
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the last endpoint's failure, rethrown as caught
      if (refused !== undefined) throw last ?? refused
      const i = fixed ?? this.pick(tried)
      tried.add(i)
      let answer: T
      try {
        answer = await attempt(i)
      } catch (err) {
        this.failed(i)
        if (fixed !== undefined || tried.size >= this.count || !rules.retryElsewhere(err)) throw err
        last = err
        continue
      }
      if (rules.failed(answer)) this.failed(i)
      else this.ok(i)
      return answer
    }
  }
}

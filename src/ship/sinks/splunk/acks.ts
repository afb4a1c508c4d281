/**
 * HEC indexer acknowledgement: after a 200 with `ackId`, the events are delivered only when
 * `POST /services/collector/ack` says that id is true. Ids are per channel and per indexer,
 * so each is polled on the endpoint that took the data; all pending ids of an endpoint go in
 * one poll. Splunk forgets an id once it has answered true. An id not true within the
 * timeout resolves false: the caller resends the batch.
 */
import type { HttpClient } from '../../http/client.js'

interface Waiter { resolve: (acked: boolean) => void, deadline: number }

export interface AckPollerOptions {
  client: HttpClient
  channel: string
  headers: Record<string, string>
  intervalMs: number
  /** the ack endpoint answered "ACK is disabled" (code 14): the token has no useACK */
  disabled: () => void
}

export class AckPoller {
  private readonly pending = new Map<number, Map<number, Waiter>>()
  private timer: NodeJS.Timeout | undefined
  /** endpoints with a poll in flight */
  private readonly polling = new Set<number>()
  private closed = false
  stats = { polls: 0, acked: 0, timedOut: 0 }

  constructor (private readonly o: AckPollerOptions) {}

  get size (): number {
    let n = 0
    for (const m of this.pending.values()) n += m.size
    return n
  }

  /** Resolves true when Splunk acknowledges `ackId` sent to `endpoint`, false after `timeoutMs`. */
  async wait (endpoint: number, ackId: number, timeoutMs: number): Promise<boolean> {
    if (this.closed) return false
    return await new Promise<boolean>((resolve) => {
      let m = this.pending.get(endpoint)
      if (m === undefined) this.pending.set(endpoint, m = new Map())
      m.get(ackId)?.resolve(false)
      m.set(ackId, { resolve, deadline: Date.now() + timeoutMs })
      this.timer ??= setInterval(() => { void this.poll() }, this.o.intervalMs)
    })
  }

  /** One poll per endpoint with pending ids, each on its own (a slow indexer holds up only its own acks). */
  private async poll (): Promise<void> {
    await Promise.all([...this.pending].map(async ([ep, waiters]) => {
      if (waiters.size === 0 || this.polling.has(ep)) return
      this.polling.add(ep)
      try {
        await this.pollOne(ep, waiters)
      } finally {
        this.polling.delete(ep)
      }
    }))
    if (this.size === 0 && this.timer !== undefined) { clearInterval(this.timer); this.timer = undefined }
  }

  private async pollOne (ep: number, waiters: Map<number, Waiter>): Promise<void> {
    this.stats.polls++
    try {
      const res = await this.o.client.send({
        method: 'POST',
        path: `/services/collector/ack?channel=${this.o.channel}`,
        endpoint: ep,
        body: Buffer.from(JSON.stringify({ acks: [...waiters.keys()] })),
        contentType: 'application/json',
        headers: this.o.headers,
      })
      const doc = safeJson(res.body) as { acks?: Record<string, boolean>, code?: number } | undefined
      if (res.status === 400 && doc?.code === 14) {
        this.o.disabled()
        for (const w of waiters.values()) w.resolve(true)
        waiters.clear()
        return
      }
      if (res.status === 200 && doc?.acks !== undefined) {
        for (const [id, ok] of Object.entries(doc.acks)) {
          const w = waiters.get(Number(id))
          if (ok === true && w !== undefined) { waiters.delete(Number(id)); this.stats.acked++; w.resolve(true) }
        }
      }
    } catch {
      // the poll failed (network): the ids stay pending until their deadline
    }
    const now = Date.now()
    for (const [id, w] of waiters) {
      if (w.deadline <= now) { waiters.delete(id); this.stats.timedOut++; w.resolve(false) }
    }
  }

  /** Stop polling; every pending id resolves false (its batch is not known to be indexed). */
  close (): void {
    this.closed = true
    if (this.timer !== undefined) { clearInterval(this.timer); this.timer = undefined }
    for (const m of this.pending.values()) for (const w of m.values()) w.resolve(false)
    this.pending.clear()
  }
}

function safeJson (s: string): unknown {
  try { return JSON.parse(s) } catch { return undefined }
}

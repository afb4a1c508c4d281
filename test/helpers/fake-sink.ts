/**
 * A sink for the sender chain's unit tests: each write waits until the test answers it
 * (`answer`), or is answered at once by `auto`; every call is recorded.
 */
import type { OutEvent, Sink, WriteResult } from '../../src/ship/sink.js'

export interface Call {
  batch: OutEvent[]
  signal: AbortSignal | undefined
  answer: (r?: WriteResult | Error) => void
}

export class FakeSink implements Sink {
  readonly name = 'fake'
  readonly calls: Call[] = []
  private readonly waiting: Call[] = []
  inFlight = 0
  maxInFlight = 0

  /** `auto`: the answer to a call at once (`undefined`: the call waits for `answer`) */
  constructor (private readonly auto?: (batch: OutEvent[], call: number) => WriteResult | Error | undefined) {}

  async write (batch: OutEvent[], signal?: AbortSignal): Promise<WriteResult | undefined> {
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    const r = await new Promise<WriteResult | Error | undefined>((resolve) => {
      const call: Call = { batch, signal, answer: (x) => resolve(x) }
      this.calls.push(call)
      const now = this.auto?.(batch, this.calls.length - 1)
      if (now !== undefined) resolve(now)
      else this.waiting.push(call)
    })
    this.inFlight--
    if (r instanceof Error) throw r
    return r
  }

  /** Answer the oldest call still waiting. */
  answer (r?: WriteResult | Error): void {
    const c = this.waiting.shift()
    if (c === undefined) throw new Error('no call is waiting')
    c.answer(r)
  }

  get waitingCalls (): number {
    return this.waiting.length
  }

  async close (): Promise<void> {}
}

/** Let pending promise callbacks run (the fake clock stops setImmediate too). */
export async function settle (rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve()
}

/**
 * On the fake clock: advance 1 ms at a time, letting promise callbacks run, until `p` settles
 * or `maxMs` have passed; resolves with p's value (throws if it did not settle in time).
 */
export async function flow<T> (clock: { advance: (ms: number) => void }, p: Promise<T>, maxMs: number): Promise<T> {
  let done = false
  const watched = p.finally(() => { done = true })
  await settle()
  for (let ms = 0; !done && ms < maxMs; ms++) {
    clock.advance(1)
    await settle()
  }
  if (!done) throw new Error(`not settled within ${maxMs} ms of the fake clock`)
  return await watched
}

/** On the fake clock: let `ms` pass, 1 ms at a time, letting promise callbacks run. */
export async function pass (clock: { advance: (ms: number) => void }, ms: number): Promise<void> {
  await settle()
  for (let i = 0; i < ms; i++) {
    clock.advance(1)
    await settle()
  }
}

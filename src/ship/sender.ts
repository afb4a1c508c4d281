/**
 * A link of the sender chain (batcher → retry → timeout → sink): a function that tries to
 * deliver a batch once and says what became of each event (the sink contract's WriteResult).
 *
 * MUST NOT throw: `sinkSender` turns a sink that throws into "retry all of it" with the error
 *      (a SinkError as is, anything else as AS_SINK_WRITE), and a sink that resolves with
 *      nothing into "all delivered".
 */
import { SinkErrors } from '../errors.js'
import { SinkError, type OutEvent, type Sink, type WriteResult } from './sink.js'

export type Sender = (batch: OutEvent[], signal?: AbortSignal) => Promise<WriteResult>

/** The last link: one call to the sink. */
export function sinkSender (sink: Sink): Sender {
  return async (batch, signal) => {
    try {
      return (await sink.write(batch, signal)) ?? {}
    } catch (err) {
      return { retry: batch, error: err instanceof SinkError ? err : new SinkError(SinkErrors.WRITE, (err as Error).message, { cause: err }) }
    }
  }
}

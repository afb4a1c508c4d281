/** `type: stdout`: NDJSON to standard output. */
import { batchQueue, type SinkFactory } from '../factory.js'
import { StdoutSink } from './sink.js'

export const stdoutFactory: SinkFactory<'stdout'> = {
  create (c) {
    return { sink: new StdoutSink(c.name), queue: batchQueue(c) }
  },
}

/** `type: blackhole`: events discarded after `delay_ms` (benchmarks, backpressure tests). */
import { batchQueue, type SinkFactory } from '../factory.js'
import { BlackholeSink } from './sink.js'

export const blackholeFactory: SinkFactory<'blackhole'> = {
  create (c) {
    return { sink: new BlackholeSink(c.name, c.delay_ms), queue: batchQueue(c) }
  },
}

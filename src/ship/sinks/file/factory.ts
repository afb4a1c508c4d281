/** `type: file`: NDJSON appended to `path`, fsynced per batch when `fsync`. */
import { batchQueue, type SinkFactory } from '../factory.js'
import { FileSink } from './sink.js'

export const fileFactory: SinkFactory<'file'> = {
  create (c) {
    return { sink: new FileSink(c.name, c.path, c.fsync), queue: batchQueue(c) }
  },
}

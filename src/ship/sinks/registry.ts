/** Sink type (the config's `type`) → its factory. A new sink type is one folder and one line here. */
import type { BuiltSink, FactoryContext, SinkConfig, SinkFactory, SinkType } from './factory.js'
import { fileFactory } from './file/factory.js'
import { stdoutFactory } from './stdout/factory.js'
import { blackholeFactory } from './blackhole/factory.js'
import { elasticsearchFactory } from './elasticsearch/factory.js'
import { splunkFactory } from './splunk/factory.js'
import { httpFactory } from './http/factory.js'

export const factories: { readonly [T in SinkType]: SinkFactory<T> } = {
  file: fileFactory,
  stdout: stdoutFactory,
  blackhole: blackholeFactory,
  elasticsearch: elasticsearchFactory,
  splunk_hec: splunkFactory,
  http: httpFactory,
}

/** Build one sink with the factory of its type. */
export async function createSink (c: SinkConfig, ctx: FactoryContext): Promise<BuiltSink> {
  // the config's type picks the factory of that same type
  return await (factories[c.type] as SinkFactory<SinkType>).create(c, ctx)
}

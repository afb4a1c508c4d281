/**
 * `type: splunk_hec`: the config section → HecSink, with the HEC token read from its file or
 * environment variable into `Authorization: Splunk <token>`.
 */
import type { SinkFactory } from '../factory.js'
import { httpOptions, networkQueue } from '../network.js'
import { readSecret } from '../secret.js'
import { HecSink } from './sink.js'

export const splunkFactory: SinkFactory<'splunk_hec'> = {
  async create (c, ctx) {
    const token = await readSecret(ctx, ctx.at, 'token', c.token_file, c.token_env) ?? ''
    const sink = new HecSink({
      name: c.name,
      http: await httpOptions(c, ctx, {}),
      authorization: `Splunk ${token}`,
      envelope: { source: c.source, sourcetype: c.sourcetype, index: c.index, host: c.host, fields: c.fields },
      ack: c.ack,
      ackTimeoutMs: c.ack_timeout_secs * 1000,
      ackPollIntervalMs: c.ack_poll_interval_ms,
      warn: (msg) => ctx.warn(msg),
    })
    return { sink, queue: networkQueue(c) }
  },
}

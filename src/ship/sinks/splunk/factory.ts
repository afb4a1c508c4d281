/**
 * `type: splunk_hec`: the config section → HecSink, with the HEC token read from its file or
 * environment variable into `Authorization: Splunk <token>` (registered for redaction whole,
 * like the other sinks' Authorization headers: network.ts).
 */
import type { SinkFactory } from '../factory.js'
import { httpOptions, networkQueue } from '../network.js'
import { readSecret } from '../secret.js'
import { HecSink } from './sink.js'
import { addSecret } from '../../../telemetry/redact.js'

export const splunkFactory: SinkFactory<'splunk_hec'> = {
  async create (c, ctx) {
    const token = await readSecret(ctx, ctx.at, 'token', c.token_file, c.token_env) ?? ''
    const authorization = `Splunk ${token}`
    addSecret(authorization)
    const sink = new HecSink({
      name: c.name,
      http: await httpOptions(c, ctx, {}),
      authorization,
      envelope: { source: c.source, sourcetype: c.sourcetype, index: c.index, host: c.host, fields: c.fields, defaultHost: ctx.host },
      ack: c.ack,
      ackTimeoutMs: c.ack_timeout_secs * 1000,
      ackPollIntervalMs: c.ack_poll_interval_ms,
      warn: (msg) => ctx.warn(msg),
    })
    return { sink, queue: networkQueue(c) }
  },
}

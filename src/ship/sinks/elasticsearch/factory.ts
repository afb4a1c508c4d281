/**
 * `type: elasticsearch`: the config section → ElasticsearchSink, with its credentials read
 * from their files or environment variables into the Authorization header: basic
 * (`username` + password), api_key (the encoded key, or `id:key` which is encoded here),
 * or bearer (a token).
 */
import type { SinkConfigOf, SinkFactory, FactoryContext } from '../factory.js'
import { basicAuth, httpOptions, networkQueue } from '../network.js'
import { readSecret } from '../secret.js'
import { hostName } from '../host.js'
import { ElasticsearchSink } from './sink.js'

/** The Authorization header of `auth`, reading its secret; none for `auth.type: none`. */
export async function elasticsearchAuth (c: SinkConfigOf<'elasticsearch'>, ctx: FactoryContext): Promise<Record<string, string>> {
  const a = c.auth
  const at = `${ctx.at}.auth`
  switch (a.type) {
    case 'basic': return { authorization: basicAuth(a.username ?? '', await readSecret(ctx, at, 'password', a.password_file, a.password_env) ?? '') }
    case 'api_key': {
      const key = await readSecret(ctx, at, 'api_key', a.api_key_file, a.api_key_env) ?? ''
      return { authorization: `ApiKey ${key.includes(':') ? Buffer.from(key, 'utf8').toString('base64') : key}` }
    }
    case 'bearer': return { authorization: `Bearer ${await readSecret(ctx, at, 'token', a.token_file, a.token_env) ?? ''}` }
    case 'none': return {}
  }
}

export const elasticsearchFactory: SinkFactory<'elasticsearch'> = {
  async create (c, ctx) {
    const auth = await elasticsearchAuth(c, ctx)
    const sink = new ElasticsearchSink({
      name: c.name,
      http: await httpOptions(c, ctx, { accept: 'application/json', ...auth }),
      index: c.index,
      dataStream: c.data_stream,
      pipeline: c.pipeline,
      host: hostName(),
    })
    return { sink, queue: networkQueue(c) }
  },
}

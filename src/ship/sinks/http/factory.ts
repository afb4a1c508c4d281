/**
 * `type: http`: the config section → HttpSink: the configured headers (names in lower case)
 * and the credentials read from their files or environment variables into the Authorization
 * header: basic (`username` + password) or bearer (a token).
 */
import type { SinkConfigOf, SinkFactory, FactoryContext } from '../factory.js'
import { basicAuth, httpOptions, networkQueue } from '../network.js'
import { readSecret } from '../secret.js'
import { HttpSink } from './sink.js'
import { addSecret } from '../../../telemetry/redact.js'

/** The Authorization header of `auth`, reading its secret; none for `auth.type: none`. */
export async function httpAuth (c: SinkConfigOf<'http'>, ctx: FactoryContext): Promise<Record<string, string>> {
  const a = c.auth
  const at = `${ctx.at}.auth`
  switch (a.type) {
    case 'basic': return { authorization: basicAuth(a.username ?? '', await readSecret(ctx, at, 'password', a.password_file, a.password_env) ?? '') }
    case 'bearer': return { authorization: `Bearer ${await readSecret(ctx, at, 'token', a.token_file, a.token_env) ?? ''}` }
    case 'none': return {}
  }
}

/** The configured headers with names in lower case; their values may be credentials (an API key): registered for redaction. */
function lower (h: Readonly<Record<string, string>>): Record<string, string> {
  const o: Record<string, string> = {}
  for (const [k, v] of Object.entries(h)) { o[k.toLowerCase()] = v; addSecret(v) }
  return o
}

export const httpFactory: SinkFactory<'http'> = {
  async create (c, ctx) {
    const auth = await httpAuth(c, ctx)
    const sink = new HttpSink({ name: c.name, http: await httpOptions(c, ctx, { ...lower(c.headers), ...auth }), method: c.method, healthPath: c.health_path })
    return { sink, queue: networkQueue(c) }
  },
}

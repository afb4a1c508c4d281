/**
 * Health, readiness and metrics over HTTP (fastify). Built without listening so that tests
 * use inject(); the daemon calls listen().
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { timingSafeEqual, createHash } from 'node:crypto'
import type { Registry } from 'prom-client'

export interface ReadyCheck {
  ready: boolean
  checks: Record<string, { ok: boolean, detail?: string }>
}

export interface ServerDeps {
  /** false once the pipeline has failed */
  alive: () => boolean
  ready: () => ReadyCheck
  metrics: Registry
  /** when set, every request must carry `Authorization: Bearer <token>` */
  token?: string
}

function digest (s: string): Buffer {
  return createHash('sha256').update(s).digest()
}

const checkSchema = {
  type: 'object',
  additionalProperties: { type: 'object', properties: { ok: { type: 'boolean' }, detail: { type: 'string' } }, required: ['ok'] },
} as const

export function buildServer (deps: ServerDeps): FastifyInstance {
  const app = Fastify({ logger: false })
  if (deps.token !== undefined) {
    const want = digest(`Bearer ${deps.token}`)
    app.addHook('onRequest', async (req, reply) => {
      // compare digests in constant time: the token never leaks through timing or logs
      if (!timingSafeEqual(digest(req.headers.authorization ?? ''), want)) {
        await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' })
      }
    })
  }
  app.get('/healthz', {
    schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } }, 503: { type: 'object', properties: { status: { type: 'string' } } } } },
  }, async (_req, reply) => {
    if (!deps.alive()) return await reply.code(503).send({ status: 'failed' })
    return { status: 'ok' }
  })
  app.get('/readyz', {
    schema: { response: { 200: { type: 'object', properties: { ready: { type: 'boolean' }, checks: checkSchema } }, 503: { type: 'object', properties: { ready: { type: 'boolean' }, checks: checkSchema } } } },
  }, async (_req, reply) => {
    const r = deps.ready()
    return await reply.code(r.ready ? 200 : 503).send(r)
  })
  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.metrics()
    return await reply.header('content-type', deps.metrics.contentType).send(text)
  })
  return app
}

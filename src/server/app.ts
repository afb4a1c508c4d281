/**
 * Health, readiness and metrics over HTTP (fastify). Built without listening so that tests
 * use inject(); the daemon calls listen().
 */
import Fastify, { type FastifyInstance } from 'fastify'
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
}

const checkSchema = {
  type: 'object',
  additionalProperties: { type: 'object', properties: { ok: { type: 'boolean' }, detail: { type: 'string' } }, required: ['ok'] },
} as const

export function buildServer (deps: ServerDeps): FastifyInstance {
  const app = Fastify({ logger: false })
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

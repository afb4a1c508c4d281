/**
 * Health, readiness and metrics over HTTP (fastify). Built without listening so that tests
 * use inject(); the daemon calls listen(). The JSON bodies are declared once, in
 * schemas/health.schema.json: fastify serializes them with it, and their TS types are
 * generated from it (types.generated.ts).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { timingSafeEqual, createHash } from 'node:crypto'
import type { Registry } from 'prom-client'
import { AppErrors } from '../errors.js'
import { readPackageJson } from '../paths.js'
import type { Healthz, Readyz, Unauthorized } from './types.generated.js'

/** What the runner reports for /readyz. */
export type ReadyCheck = Readyz

export interface ServerDeps {
  /** false once the pipeline has failed */
  alive: () => boolean
  /** may ask the file system (the state dir, the audit log): awaited per request */
  ready: () => ReadyCheck | Promise<ReadyCheck>
  metrics: Registry
  /** when set, every request must carry `Authorization: Bearer <token>` */
  token?: string
}

const HEALTH_SCHEMA = readPackageJson('schemas/health.schema.json') as { $id: string }
const shape = (name: 'healthz' | 'readyz' | 'unauthorized'): { $ref: string } => ({ $ref: `${HEALTH_SCHEMA.$id}#/definitions/${name}` })

const UNAUTHORIZED: Unauthorized = { error: 'unauthorized', code: AppErrors.UNAUTHORIZED.code as Unauthorized['code'] }

function digest (s: string): Buffer {
  return createHash('sha256').update(s).digest()
}

export function buildServer (deps: ServerDeps): FastifyInstance {
  const app = Fastify({ logger: false })
  app.addSchema(HEALTH_SCHEMA)
  if (deps.token !== undefined) {
    const want = digest(`Bearer ${deps.token}`)
    app.addHook('onRequest', async (req, reply) => {
      // compare digests in constant time: the token never leaks through timing or logs
      if (!timingSafeEqual(digest(req.headers.authorization ?? ''), want)) {
        await reply.code(401).header('www-authenticate', 'Bearer').send(UNAUTHORIZED)
      }
    })
  }
  app.get('/healthz', {
    schema: { response: { 200: shape('healthz'), 503: shape('healthz'), 401: shape('unauthorized') } },
  }, async (_req, reply) => {
    const body: Healthz = deps.alive() ? { status: 'ok' } : { status: 'failed' }
    return await reply.code(body.status === 'ok' ? 200 : 503).send(body)
  })
  app.get('/readyz', {
    schema: { response: { 200: shape('readyz'), 503: shape('readyz'), 401: shape('unauthorized') } },
  }, async (_req, reply) => {
    const r: Readyz = await deps.ready()
    return await reply.code(r.ready ? 200 : 503).send(r)
  })
  app.get('/metrics', {
    schema: { response: { 401: shape('unauthorized') } },
  }, async (_req, reply) => {
    const text = await deps.metrics.metrics()
    return await reply.header('content-type', deps.metrics.contentType).send(text)
  })
  return app
}

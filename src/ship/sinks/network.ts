/**
 * What the network sinks (elasticsearch, splunk_hec, http) share between config and options:
 * the HTTP client's options (endpoints, TLS files read once, timeouts, compression, user
 * agent), the queue's in-flight and retry settings, and HTTP basic auth.
 */
import { readFile } from 'node:fs/promises'
import { readPackageJson } from '../../paths.js'
import type { HttpClientOptions, TlsMaterial } from '../http/client.js'
import type { QueueOptions } from '../queue.js'
import { batchQueue, type FactoryContext, type SinkConfigOf } from './factory.js'
import { addSecret } from '../../telemetry/redact.js'

export type NetworkSinkConfig = SinkConfigOf<'elasticsearch' | 'splunk_hec' | 'http'>

const VERSION = (readPackageJson('package.json') as { version: string }).version

/** The TLS files, read now; one that cannot be read is an issue at its key. */
async function tlsOf (c: NetworkSinkConfig, ctx: FactoryContext): Promise<TlsMaterial> {
  const read = async (key: 'ca_file' | 'cert_file' | 'key_file'): Promise<Buffer | undefined> => {
    const p = c.tls[key]
    if (p === null) return undefined
    try {
      return await readFile(p)
    } catch (err) {
      ctx.issue(`${ctx.at}.tls.${key}`, `cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
      return undefined
    }
  }
  return { ca: await read('ca_file'), cert: await read('cert_file'), key: await read('key_file'), servername: c.tls.server_name ?? undefined, insecure: c.tls.insecure_skip_verify }
}

/**
 * The HTTP client's options; `headers` go on every request, after the user agent. The
 * Authorization header is registered for redaction (the encoded forms, e.g. Basic's base64,
 * are not the secret as read).
 */
export async function httpOptions (c: NetworkSinkConfig, ctx: FactoryContext, headers: Record<string, string>): Promise<Omit<HttpClientOptions, 'timings'>> {
  addSecret(headers.authorization)
  if (c.tls.insecure_skip_verify) ctx.warn('tls.insecure_skip_verify is on: the server certificate is not verified')
  return {
    endpoints: c.endpoints,
    tls: await tlsOf(c, ctx),
    connectTimeoutMs: c.timeouts.connect_ms,
    requestTimeoutMs: c.timeouts.request_ms,
    gzip: c.compression === 'gzip',
    headers: { 'user-agent': `auditship/${VERSION}`, ...headers },
    connections: c.max_in_flight,
  }
}

/** The batch bounds, batches in flight, backoff and max age of a network sink's queue. */
export function networkQueue (c: NetworkSinkConfig): QueueOptions {
  return {
    ...batchQueue(c),
    maxInFlight: c.max_in_flight,
    backoffInitialMs: c.retry.initial_backoff_ms,
    backoffMaxMs: c.retry.max_backoff_ms,
    maxAgeMs: c.retry.max_age_secs * 1000,
  }
}

export function basicAuth (user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`
}

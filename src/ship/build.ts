/**
 * The configured sinks as objects: each sink with the options of the queue in front of it.
 * Reads what the sinks need from disk once (TLS files; secrets come from config/secrets.ts)
 * and returns problems as config issues with the key's path, so the start is refused (78).
 */
import { readFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import type { Config, ConfigIssue } from '../config/load.js'
import type { SinkSecrets } from '../config/secrets.js'
import type { QueueOptions } from './queue.js'
import type { Sink } from './sink.js'
import { FileSink } from './file-sink.js'
import { StdoutSink } from './stdout-sink.js'
import { BlackholeSink } from './blackhole-sink.js'
import { ElasticsearchSink } from './elasticsearch/sink.js'
import { HecSink } from './splunk/sink.js'
import { HttpSink } from './http-sink.js'
import type { HttpClientOptions, TlsMaterial } from './http/client.js'
import { packageFile } from '../paths.js'

type SinkConfig = Config['sinks'][number]
type NetSinkConfig = Extract<SinkConfig, { type: 'elasticsearch' | 'splunk_hec' | 'http' }>

export interface BuiltSink { sink: Sink, queue: QueueOptions }

export interface BuildContext {
  secrets: ReadonlyMap<string, SinkSecrets>
  warn: (fields: Record<string, unknown>, msg: string) => void
}

const VERSION = (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version

async function tlsOf (s: NetSinkConfig, at: string, issues: ConfigIssue[]): Promise<TlsMaterial> {
  const read = async (key: 'ca_file' | 'cert_file' | 'key_file'): Promise<Buffer | undefined> => {
    const p = s.tls[key]
    if (p === null) return undefined
    try {
      return await readFile(p)
    } catch (err) {
      issues.push({ path: `${at}.tls.${key}`, message: `cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` })
      return undefined
    }
  }
  return { ca: await read('ca_file'), cert: await read('cert_file'), key: await read('key_file'), servername: s.tls.server_name ?? undefined, insecure: s.tls.insecure_skip_verify }
}

function basic (user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`
}

async function httpOf (s: NetSinkConfig, at: string, issues: ConfigIssue[], auth: Record<string, string>, extra: Record<string, string> = {}): Promise<Omit<HttpClientOptions, 'timings'>> {
  return {
    endpoints: s.endpoints,
    tls: await tlsOf(s, at, issues),
    connectTimeoutMs: s.timeouts.connect_ms,
    requestTimeoutMs: s.timeouts.request_ms,
    gzip: s.compression === 'gzip',
    headers: { 'user-agent': `auditship/${VERSION}`, ...extra, ...auth },
    connections: s.max_in_flight,
  }
}

function queueOf (s: SinkConfig): QueueOptions {
  const q: QueueOptions = { maxEvents: s.batch.max_events, maxBytes: s.batch.max_bytes, flushIntervalMs: s.batch.flush_interval_ms }
  if (s.type === 'elasticsearch' || s.type === 'splunk_hec' || s.type === 'http') {
    q.maxInFlight = s.max_in_flight
    q.backoffInitialMs = s.retry.initial_backoff_ms
    q.backoffMaxMs = s.retry.max_backoff_ms
    q.maxAgeMs = s.retry.max_age_secs * 1000
  }
  return q
}

export async function buildSinks (c: Config, ctx: BuildContext): Promise<{ ok: true, sinks: BuiltSink[] } | { ok: false, errors: ConfigIssue[] }> {
  const issues: ConfigIssue[] = []
  const out: BuiltSink[] = []
  for (const [i, s] of c.sinks.entries()) {
    const at = `sinks[${i}]`
    const sec = ctx.secrets.get(s.name) ?? {}
    let sink: Sink
    switch (s.type) {
      case 'file': sink = new FileSink(s.name, s.path, s.fsync); break
      case 'stdout': sink = new StdoutSink(s.name); break
      case 'blackhole': sink = new BlackholeSink(s.name, s.delay_ms); break
      case 'elasticsearch': {
        const a = s.auth
        const auth: Record<string, string> = {}
        if (a.type === 'basic') auth.authorization = basic(a.username ?? '', sec.password ?? '')
        if (a.type === 'api_key') auth.authorization = `ApiKey ${(sec.apiKey ?? '').includes(':') ? Buffer.from(sec.apiKey ?? '', 'utf8').toString('base64') : sec.apiKey ?? ''}`
        if (a.type === 'bearer') auth.authorization = `Bearer ${sec.token ?? ''}`
        sink = new ElasticsearchSink({ name: s.name, http: await httpOf(s, at, issues, auth, { accept: 'application/json' }), index: s.index, dataStream: s.data_stream, pipeline: s.pipeline, host: hostname() })
        break
      }
      case 'splunk_hec':
        sink = new HecSink({
          name: s.name,
          http: await httpOf(s, at, issues, {}),
          token: sec.token ?? '',
          envelope: { source: s.source, sourcetype: s.sourcetype, index: s.index, host: s.host, fields: s.fields },
          ack: s.ack,
          ackTimeoutMs: s.ack_timeout_secs * 1000,
          ackPollIntervalMs: s.ack_poll_interval_ms,
          warn: (msg) => ctx.warn({ sink: s.name }, msg),
        })
        break
      case 'http': {
        const a = s.auth
        const auth: Record<string, string> = {}
        if (a.type === 'basic') auth.authorization = basic(a.username ?? '', sec.password ?? '')
        if (a.type === 'bearer') auth.authorization = `Bearer ${sec.token ?? ''}`
        sink = new HttpSink({ name: s.name, http: await httpOf(s, at, issues, auth, { ...lower(s.headers) }), method: s.method, healthPath: s.health_path })
        break
      }
    }
    if ((s.type === 'elasticsearch' || s.type === 'splunk_hec' || s.type === 'http') && s.tls.insecure_skip_verify) {
      ctx.warn({ sink: s.name }, 'tls.insecure_skip_verify is on: the server certificate is not verified')
    }
    out.push({ sink, queue: queueOf(s) })
  }
  if (issues.length > 0) {
    await Promise.all(out.map(async (b) => await b.sink.close().catch(() => {})))
    return { ok: false, errors: issues }
  }
  return { ok: true, sinks: out }
}

function lower (h: Readonly<Record<string, string>>): Record<string, string> {
  const o: Record<string, string> = {}
  for (const [k, v] of Object.entries(h)) o[k.toLowerCase()] = v
  return o
}

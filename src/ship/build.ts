/**
 * The configured sinks as objects, each with the options of the queue in front of it: the one
 * entry point that builds them from a loaded config (run, check-config, doctor). Each sink
 * type's factory (sinks/registry.ts) reads what its sink needs (secrets, TLS files) once;
 * problems come back as config issues with the key's path, so the start is refused (78).
 */
import type { BuiltSink, SinkConfig, SinkIssue } from './sinks/factory.js'
import { createSink } from './sinks/registry.js'

export type { BuiltSink, SinkIssue } from './sinks/factory.js'

export interface BuildContext {
  warn: (fields: Record<string, unknown>, msg: string) => void
  /** FactoryContext.host */
  host: string
}

export type BuildResult = { ok: true, sinks: BuiltSink[] } | { ok: false, errors: SinkIssue[] }

/** The sinks of a loaded config (`c`: a Config, of which only `sinks` is read). */
export async function buildSinks (c: { readonly sinks: readonly SinkConfig[] }, ctx: BuildContext): Promise<BuildResult> {
  const issues: SinkIssue[] = []
  const out: BuiltSink[] = []
  for (const [i, s] of c.sinks.entries()) {
    out.push(await createSink(s, {
      at: `sinks[${i}]`,
      issue: (path, message) => issues.push({ path, message }),
      warn: (msg) => ctx.warn({ sink: s.name }, msg),
      host: ctx.host,
    }))
  }
  if (issues.length > 0) {
    await Promise.all(out.map(async (b) => await b.sink.close().catch(() => {})))
    return { ok: false, errors: issues }
  }
  return { ok: true, sinks: out }
}

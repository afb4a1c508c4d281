/**
 * `auditship setup elasticsearch --config FILE [--sink NAME] [--print]`: install the ILM
 * policy and the index or data-stream template (deploy/elasticsearch) that go with each
 * elasticsearch sink of the configuration, with its endpoint, TLS and credentials.
 */
import { parseArgs } from 'node:util'
import { loadConfig } from '../config/load.js'
import { issuesText } from '../config/print.js'
import type { ConfigIssue } from '../config/types.js'
import { AppErrors, ExitCodes } from '../errors.js'
import { HttpClient } from '../ship/http/client.js'
import type { SinkConfigOf } from '../ship/sinks/factory.js'
import { elasticsearchAuth } from '../ship/sinks/elasticsearch/factory.js'
import { applySetup, setupPlan } from '../ship/sinks/elasticsearch/setup.js'
import { httpOptions } from '../ship/sinks/network.js'
import { fail } from './report.js'

export const SETUP_HELP = `Usage: auditship setup elasticsearch --config FILE [--sink NAME] [--print]

Install in Elasticsearch what each elasticsearch sink of the configuration needs, through the
API with the sink's first endpoint, TLS settings and credentials: the ILM policy, then the
template (deploy/elasticsearch):
  index: auditship-%Y.%m.%d     ILM policy auditship-daily, index template auditship
  data_stream: logs-auditship-* ILM policy auditship, data stream template logs-auditship
Each is reported created, updated or unchanged (it carries the hash of its body in _meta:
running setup again changes nothing). The credentials need the manage_ilm and
manage_index_templates cluster privileges (the sink's own need only create_doc and
auto_configure).

Options:
  -c, --config FILE      the configuration file
  --sink NAME            only this sink (default: every elasticsearch sink)
  --print                print the requests (method, path, body) instead of sending them:
                         nothing is read from the secrets, nothing is sent
  -h, --help             this help

Exit ${ExitCodes.OK} when everything is in place, ${ExitCodes.FAILURE} when a request failed (the answer is
shown), ${ExitCodes.CONFIG} when the configuration or its secrets are invalid, ${ExitCodes.USAGE} for a bad command line.
`

type EsSink = SinkConfigOf<'elasticsearch'>

export async function setup (argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      sink: { type: 'string' },
      print: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) { process.stdout.write(SETUP_HELP); return ExitCodes.OK }
  if (positionals.length !== 1 || positionals[0] !== 'elasticsearch') {
    return fail('setup', AppErrors.USAGE, `what to set up: 'auditship setup elasticsearch' (got ${positionals.length === 0 ? 'nothing' : positionals.join(' ')})`)
  }
  if (values.config === undefined || values.config === '') return fail('setup', AppErrors.USAGE, '--config FILE is required (see auditship setup --help)')
  const file = values.config
  const loaded = await loadConfig(file)
  if (!loaded.ok) { process.stderr.write(issuesText(file, loaded.errors)); return ExitCodes.CONFIG }
  const all = loaded.config.sinks.filter((s): s is EsSink => s.type === 'elasticsearch')
  const sinks = values.sink === undefined ? all : all.filter((s) => s.name === values.sink)
  if (sinks.length === 0) {
    return fail('setup', AppErrors.CONFIG_INVALID, values.sink === undefined ? `${file} has no elasticsearch sink` : `${file} has no elasticsearch sink named ${values.sink} (${all.map((s) => s.name).join(', ') || 'none'})`, ExitCodes.CONFIG)
  }
  const plans = sinks.map((c) => ({ c, ...setupPlan(c) }))
  for (const p of plans) for (const w of p.warnings) process.stderr.write(`warning: ${w}\n`)
  if (values.print) {
    for (const { c, requests } of plans) {
      process.stdout.write(`# sink ${c.name}: ${new URL(c.endpoints[0]).origin}\n`)
      for (const r of requests) process.stdout.write(`PUT ${r.path}\n${JSON.stringify(r.body, null, 2)}\n\n`)
    }
    return ExitCodes.OK
  }
  for (const { c, requests } of plans) {
    const issues: ConfigIssue[] = []
    const ctx = { at: `sinks[${loaded.config.sinks.indexOf(c)}]`, issue: (path: string, message: string) => { issues.push({ path, message }) }, warn: (msg: string) => { process.stderr.write(`warning: ${c.name}: ${msg}\n`) } }
    const auth = await elasticsearchAuth(c, ctx)
    const opts = await httpOptions(c, ctx, { accept: 'application/json', ...auth })
    if (issues.length > 0) { process.stderr.write(issuesText(file, issues)); return ExitCodes.CONFIG }
    const client = new HttpClient({ ...opts, gzip: false, connections: 1 })
    try {
      await applySetup(client, requests, (r, outcome) => { process.stdout.write(`${c.name}: ${r.what}: ${outcome}\n`) })
    } catch (err) {
      return fail('setup', AppErrors.SETUP_FAILED, `${c.name}: ${(err as Error).message}`)
    } finally {
      await client.close()
    }
  }
  return ExitCodes.OK
}

import t from 'tap'
import { configDefaults } from '../../src/config/defaults.js'
import { checkConfig } from '../../src/config/validate.js'
import { COMMON_HELP } from '../../src/cli/common.js'
import { DEFAULT_AUDIT_LOG } from '../../src/cli/search.js'
import { DEFAULT_DOCTOR } from '../../src/doctor/checks.js'
import { DEFAULT_PIPELINE } from '../../src/pipeline/pipeline.js'

t.test('the defaults read from the schema are the ones ajv fills in', async (t) => {
  const r = checkConfig({ sinks: [{ type: 'stdout' }] })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  const { sinks: _sinks, ...filled } = r.config
  t.same(configDefaults(), filled)
  t.ok(Object.isFrozen(configDefaults().enrich.teleport), 'frozen')
  t.equal(configDefaults(), configDefaults(), 'read once')
})

t.test('the commands without a config file take their defaults from the schema', async (t) => {
  const d = configDefaults()
  t.match(COMMON_HELP, `--max-in-flight N      events under construction at most (default ${d.correlate.max_in_flight})`)
  t.match(COMMON_HELP, `(default ${d.correlate.event_timeout_secs})`)
  t.match(COMMON_HELP, `longer lines are parse errors (default ${d.source.max_line_bytes})`)
  t.match(COMMON_HELP, `(default ${d.enrich.resolve_ids.passwd})`)
  t.equal(DEFAULT_AUDIT_LOG, d.source.path)
  t.equal(DEFAULT_DOCTOR.auditLog, d.source.path)
})

t.test("the pipeline's defaults (tests, library use) are the schema's", async (t) => {
  const d = configDefaults()
  t.match(DEFAULT_PIPELINE, {
    maxInFlight: d.correlate.max_in_flight,
    timeoutSec: d.correlate.event_timeout_secs,
    maxEventRecords: d.correlate.max_event_records,
    maxEventBytes: d.correlate.max_event_bytes,
  })
})

import t from 'tap'
import { createHash } from 'node:crypto'
import { BulkEncoder, bulkOutcome, documentId, formatIndex } from '../../../../src/ship/sinks/elasticsearch/bulk.js'
import { outEvents, text } from '../../../helpers/out-events.js'

const meta = { node: 'web-1', sec: 1553501549, ms: 148, serial: 110544844, firstType: 1300 }

t.test('documentId: 20 base64url chars, deterministic, and every part of the identity counts', async (t) => {
  const id = documentId(meta, 'host-a')
  t.match(id, /^[A-Za-z0-9_-]{20}$/)
  t.equal(documentId({ ...meta }, 'host-b'), id, 'the host is used only without node=')
  const others = [
    { ...meta, node: 'web-2' }, { ...meta, sec: meta.sec + 1 }, { ...meta, ms: 149 }, { ...meta, serial: meta.serial + 1 }, { ...meta, firstType: 1327 },
  ].map((m) => documentId(m, 'host-a'))
  t.equal(new Set([id, ...others]).size, 6)
  t.not(documentId({ ...meta, node: undefined }, 'host-a'), documentId({ ...meta, node: undefined }, 'host-b'), 'without node=, the host name tells nodes apart')
  t.not(documentId({ ...meta, ms: 5 }, 'h'), documentId({ ...meta, ms: 50 }, 'h'), 'ms is zero-padded (.005 vs .050)')
})

t.test('documentId does not change between versions: a resend after an upgrade is still a 409', async (t) => {
  // pinned values, and the definition spelled out: SHA-256 of the identity, first 15 bytes, base64url
  t.equal(documentId(meta, 'host-a'), 'ae5xDpmE5ntAbOr5nuqV')
  t.equal(documentId({ ...meta, node: undefined, ms: 7 }, 'bastion-é'), 'xvcRQM4VzioTQmSPne9K', 'a host name beyond ASCII is hashed as UTF-8')
  for (const m of [meta, { ...meta, node: 'nœud-ü', ms: 0 }, { ...meta, node: undefined, serial: 0 }]) {
    const identity = `${m.node ?? 'h'}|${m.sec}.${String(m.ms).padStart(3, '0')}|${m.serial}|${m.firstType}`
    t.equal(documentId(m, 'h'), createHash('sha256').update(identity, 'utf8').digest().subarray(0, 15).toString('base64url'), identity)
  }
})

t.test('formatIndex: UTC date of the event', async (t) => {
  t.equal(formatIndex('auditship-%Y.%m.%d', 1553501549), 'auditship-2019.03.25')
  t.equal(formatIndex('a-%Y-%%', 0), 'a-1970-%')
  t.equal(formatIndex('plain', 0), 'plain')
  t.equal(formatIndex('x-%Y.%m.%d', 1704067199), 'x-2023.12.31', 'last second of a UTC day')
  t.equal(formatIndex('x-%Y.%m.%d', 1704067200), 'x-2024.01.01')
})

t.test('encode: create + _index + _id per event, the event unchanged, every line ends in \\n', async (t) => {
  const ev = outEvents(3, 0, { node: 'n1', sec: 1704067199 })
  ev[2].meta = { ...ev[2].meta, sec: 1704067200 }
  const body = new BulkEncoder({ index: 'auditship-%Y.%m.%d', dataStream: null, host: 'h' }).encode(ev).toString()
  t.ok(body.endsWith('\n'))
  const lines = body.split('\n')
  t.equal(lines.length, 7)
  t.same(JSON.parse(lines[0]), { create: { _index: 'auditship-2023.12.31', _id: documentId(ev[0].meta, 'h') } })
  t.equal(lines[1], text(ev[0]))
  t.same(JSON.parse(lines[4]), { create: { _index: 'auditship-2024.01.01', _id: documentId(ev[2].meta, 'h') } }, 'the index follows each event\'s day')
  const ds = new BulkEncoder({ index: 'ignored', dataStream: 'logs-auditship-default', host: 'h' }).encode(ev.slice(0, 1)).toString()
  t.same(JSON.parse(ds.split('\n')[0]), { create: { _id: documentId(ev[0].meta, 'h') } }, 'a data stream takes the target from the URL')
})

t.test('bulkOutcome: item statuses', async (t) => {
  const ev = outEvents(7)
  t.same(bulkOutcome(ev, '{"errors":false,"items":[]}', 'x'), {}, 'errors:false is all delivered')
  const items = [201, 409, 429, 503, 400, 404, 200].map((status, i) => ({ create: i === 4 ? { status, error: { type: 'document_parsing_exception', reason: 'failed to parse' } } : { status } }))
  const r = bulkOutcome(ev, JSON.stringify({ errors: true, items }), 'POST /_bulk')
  t.same(r.retry?.map((e) => e.meta.serial), [2, 3], '429 and 5xx are retried')
  t.same(r.rejected?.map((x) => [x.event.meta.serial, x.error.code, x.error.status]), [[4, 'AS_SINK_REJECTED', 400], [5, 'AS_SINK_REJECTED', 404]])
  t.match(r.rejected?.[0].error.message, /document_parsing_exception: failed to parse/)
  t.equal(r.error?.code, 'AS_SINK_THROTTLED', 'the first retry reason')
})

t.test('bulkOutcome: answers that do not line up are protocol errors, everything retried', async (t) => {
  const ev = outEvents(2)
  for (const body of ['<html>502</html>', 'null', '{"errors":true}', '{"errors":true,"items":[{"create":{"status":201}}]}', '{"errors":true,"items":[{"create":{}},{"create":{"status":201}}]}']) {
    const r = bulkOutcome(ev, body, 'x')
    t.equal(r.error?.code, 'AS_SINK_PROTOCOL', body)
    t.ok((r.retry?.length ?? 0) >= 1, body)
    t.equal(r.rejected?.length ?? 0, 0)
  }
})

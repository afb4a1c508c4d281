import t from 'tap'
import { EnvelopeEncoder } from '../../../../src/ship/sinks/splunk/envelope.js'
import { outEvents, doc } from '../../../helpers/out-events.js'

t.test('envelope: time with ms, host, source, sourcetype, index, event as is', async (t) => {
  const enc = new EnvelopeEncoder({ source: 'auditship', sourcetype: 'auditship:json', index: 'os', host: null, defaultHost: 'this-host', fields: {} })
  const [a] = outEvents(1, 5, { node: 'web-01', sec: 1553501549 })
  const s = enc.encode(a)
  t.match(s, /^\{"time":1553501549\.005,/, 'epoch seconds with 3-digit ms')
  const o = JSON.parse(s)
  t.same(o, { time: 1553501549.005, host: 'web-01', source: 'auditship', sourcetype: 'auditship:json', index: 'os', event: doc(a) })
  const [b] = outEvents(1, 0)
  t.equal(JSON.parse(enc.encode(b)).host, 'this-host', 'no node=: this machine')
  const fixed = new EnvelopeEncoder({ source: 's', sourcetype: 'st', index: null, host: 'fixed', defaultHost: 'x', fields: {} })
  const f = JSON.parse(fixed.encode(a))
  t.equal(f.host, 'fixed')
  t.notOk('index' in f, 'no index: the token default')
})

t.test('indexed fields from dotted paths, strings and numbers only, flat', async (t) => {
  const enc = new EnvelopeEncoder({ source: 's', sourcetype: 'st', index: null, host: null, defaultHost: 'h', fields: { teleport_user: 'teleport.user', seq: 'auditd.sequence', obj: 'auditd', missing: 'no.such' } })
  const [e] = outEvents(1, 7, { body: () => ({ teleport: { user: 'alice' }, auditd: { sequence: 42 } }) })
  t.same(JSON.parse(enc.encode(e)).fields, { teleport_user: 'alice', seq: '42' })
  const [bare] = outEvents(1, 7, { body: () => ({}) })
  t.notOk('fields' in JSON.parse(enc.encode(bare)), 'no fields key when nothing matched')
})

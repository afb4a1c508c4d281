import t from 'tap'
import { runBytes } from '../helpers/pipeline.js'
import { giantArgs, giantExecveLines } from '../helpers/giant-execve.js'
import { DEFAULT_PIPELINE } from '../../src/pipeline/pipeline.js'

t.test('with event.original the document would be larger than the records read: it is cut further until its JSON fits', async (t) => {
  const args = giantArgs(40, 16 * 1024) // 1.3 MB of records: within the bound as read only in part
  const text = giantExecveLines(5, 1700000000, args)
  const plain = runBytes(text)
  const withOriginal = runBytes(text, { includeOriginal: true })
  for (const [name, run] of [['plain', plain], ['with original', withOriginal]] as const) {
    const doc = run.docs[0]
    t.ok(Buffer.byteLength(JSON.stringify(doc)) <= DEFAULT_PIPELINE.maxEventBytes, `${name}: within max_event_bytes`)
    t.equal(doc.auditd.truncated, true, `${name}: flagged`)
    t.equal(doc.process?.args?.[0], args[0].toString(), `${name}: first argument`)
    t.equal(doc.process?.args?.at(-1), args[39].toString(), `${name}: last argument`)
    t.equal(doc.event.original?.length ?? doc.auditd.records.length, doc.auditd.records.length, `${name}: original matches the records kept`)
  }
  t.ok((withOriginal.docs[0].auditd.dropped?.records ?? 0) > (plain.docs[0].auditd.dropped?.records ?? 0), 'more records dropped when every record is shipped twice')
})

t.test('a small event is shipped as it is', async (t) => {
  const { docs } = runBytes('type=SYSCALL msg=audit(1.000:1): syscall=59 pid=1\ntype=PROCTITLE msg=audit(1.000:1): proctitle=78\n', { includeOriginal: true })
  t.equal(docs[0].auditd.truncated, undefined)
  t.equal(docs[0].auditd.records.length, 2)
})

import t from 'tap'
import { setFlagsFromString, getHeapStatistics } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { copyOf, keyAt } from '../../src/parse/intern.js'
import { parseFields } from '../../src/parse/fields.js'
import { parseLine } from '../../src/parse/record.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
setFlagsFromString('--no-expose-gc')

const heapMB = (): number => { gc(); gc(); return getHeapStatistics().used_heap_size / 1e6 }

t.test('keyAt: the characters asked for, the same string when read again', async (t) => {
  const line = 'type=SYSCALL msg=audit(1.000:1): arch=c000003e a_very_long_key_name_here=1'
  const k = keyAt(line, line.indexOf('arch'), line.indexOf('arch') + 4)
  t.equal(k, 'arch')
  t.equal(keyAt('x arch=1', 2, 6), k)
  const long = keyAt(line, line.indexOf('a_very'), line.indexOf('=1'))
  t.equal(long, 'a_very_long_key_name_here')
  t.equal(keyAt(line, 0, 0), '')
  t.equal(copyOf('abc'), 'abc')
  t.equal(copyOf(line.slice(5, 40)), line.slice(5, 40))
})

t.test('keys kept by the key cache and the shape trie do not keep their lines alive', async (t) => {
  // any local user can write records: 600 lines of 64 KB, each with its own 20-character key,
  // must not stay on the daemon's heap (40 MB) once parsed
  const before = heapMB()
  for (let i = 0; i < 600; i++) {
    const key = `key_${String(i).padStart(6, '0')}_abcdefghi`
    const body = `${key}=1 pad=${String.fromCharCode(97 + (i % 26)).repeat(64 * 1024)}`
    const f = parseFields(body.slice(0), 1300, true)
    if (f.fields[key] !== '1') t.fail(key)
  }
  const grown = heapMB() - before
  t.ok(grown < 10, `heap grew ${grown.toFixed(1)} MB after the lines were dropped`)
})

t.test('record type names remembered by the parser do not keep their lines alive', async (t) => {
  const before = heapMB()
  for (let i = 0; i < 600; i++) {
    for (const name of [`T${String(i).padStart(5, '0')}ABCDEFGHIJ`, `LONG_TYPE_NAME_${String(i).padStart(5, '0')}_ABCDEFGHIJKLMNOP`]) {
      const r = parseLine(`type=${name} msg=audit(1.000:${i}): pad=${'x'.repeat(64 * 1024)}`, 0)
      if (!('type' in r) || r.type !== name) t.fail(name)
    }
  }
  const grown = heapMB() - before
  t.ok(grown < 10, `heap grew ${grown.toFixed(1)} MB after the lines were dropped`)
})

t.test('the values of records read earlier do not stay alive in the reused arrays', async (t) => {
  // records with fewer and fewer fields: each leaves its last values beyond the next one's
  const before = heapMB()
  for (let i = 200; i > 0; i--) {
    const fields = Array.from({ length: i }, (_, k) => `k${k}=${k === i - 1 ? 'v'.repeat(64 * 1024) : 'value_long_enough_to_be_a_view'}`)
    parseFields(fields.join(' '), 1300, true)
  }
  const grown = heapMB() - before
  t.ok(grown < 5, `heap grew ${grown.toFixed(1)} MB after the lines were dropped`)
})

import t from 'tap'
import { keyPath, cannotRead } from '../../src/config/messages.js'

t.test('keyPath', async (t) => {
  t.equal(keyPath([]), '(root)')
  t.equal(keyPath(['sinks', 0, 'batch', 'max_events']), 'sinks[0].batch.max_events')
  t.equal(keyPath(['source', 'a.b']), 'source["a.b"]')
})

t.test('cannotRead names the file and why, with the errno code', async (t) => {
  const err = (code: string | undefined, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code })
  t.equal(cannotRead('/x', err('ENOENT', 'ENOENT: no such file or directory')), 'cannot read /x: no such file (ENOENT)')
  t.equal(cannotRead('/x', err('EACCES', 'EACCES: permission denied')), 'cannot read /x: permission denied (EACCES)')
  t.equal(cannotRead('/x', err('EISDIR', 'EISDIR: illegal operation on a directory')), 'cannot read /x: is a directory (EISDIR)')
  t.equal(cannotRead('/x', err('EIO', 'EIO: i/o error')), 'cannot read /x: i/o error (EIO)', 'the code once')
  t.equal(cannotRead('/x', err('EROFS', "EROFS: read-only file system, open '/x'")), 'cannot read /x: read-only file system (EROFS)')
  t.equal(cannotRead('/x', err(undefined, 'something else')), 'cannot read /x: something else')
})

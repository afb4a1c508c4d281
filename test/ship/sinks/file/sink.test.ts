import t, { type Test } from 'tap'
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { FileSink } from '../../../../src/ship/sinks/file/sink.js'
import { outEvents } from '../../../helpers/out-events.js'

/** Serials in an NDJSON file ([] when there is no file). */
function serials (path: string): number[] {
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { n: number }).n)
}

/** A directory for the output, 0750 (a directory others can write in is refused). */
function outDir (t: Test): string {
  const dir = t.testdir()
  chmodSync(dir, 0o750)
  return dir
}

/**
 * Run `during` inside the sink's next fsyncs (FileHandle.datasync), i.e. after the batch's
 * bytes went into the open file and before the sink checks the path: a rotation or removal in
 * the middle of a write. `times`: how many fsyncs to hook.
 */
async function duringFsync (t: Test, during: () => void, times = 1): Promise<void> {
  const probe = await open(process.execPath, 'r')
  const proto = Object.getPrototypeOf(probe) as FileHandle
  await probe.close()
  // the prototype's own method, called below with its handle as `this`
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const orig = proto.datasync
  let left = times
  proto.datasync = async function (this: FileHandle): Promise<void> {
    await orig.call(this)
    if (left > 0) { left--; during() }
  }
  t.teardown(() => { proto.datasync = orig })
}

t.test('writes NDJSON, one batch after the other', async (t) => {
  const dir = outDir(t)
  const path = join(dir, 'out.ndjson')
  const s = new FileSink('file-0', path, true)
  await Promise.all([s.write(outEvents(3, 0)), s.write(outEvents(2, 3))])
  t.same(serials(path), [0, 1, 2, 3, 4])
  t.equal(statSync(path).mode & 0o777, 0o640)
  await s.close()
})

t.test('a torn last line (a crash mid-write) is ended before appending', async (t) => {
  const dir = outDir(t)
  const path = join(dir, 'out.ndjson')
  writeFileSync(path, '{"n":0}\n{"n":1')
  const s = new FileSink('file-0', path, true)
  await s.write(outEvents(1, 2))
  t.equal(readFileSync(path, 'utf8'), '{"n":0}\n{"n":1\n' + outEvents(1, 2)[0].data.toString() + '\n')
  await s.close()
})

t.test('rotated by rename (logrotate, no SIGHUP): the next batch goes to the new file at the path', async (t) => {
  const dir = outDir(t)
  const path = join(dir, 'out.ndjson')
  const s = new FileSink('file-0', path, true)
  await s.write(outEvents(2, 0))
  renameSync(path, `${path}.1`)
  await s.write(outEvents(2, 2))
  t.same(serials(`${path}.1`), [0, 1], 'the rotated file keeps what was written before')
  t.same(serials(path), [2, 3], 'the new batch is in the file the path names, not in the rotated one')
  await s.close()
})

t.test('rotated while a batch is being written: the batch is written again into the new file before it counts', async (t) => {
  const dir = outDir(t)
  const path = join(dir, 'out.ndjson')
  const s = new FileSink('file-0', path, true)
  await s.write(outEvents(1, 0))
  await duringFsync(t, () => { renameSync(path, `${path}.1`) })
  await s.write(outEvents(2, 1))
  t.same(serials(path), [1, 2], 'the path holds the whole batch')
  t.same(serials(`${path}.1`), [0, 1, 2], 'the rotated file has it too (at least once)')
})

t.test('its directory removed: recreated (0750), and no batch is reported delivered into the deleted file', async (t) => {
  const root = outDir(t)
  const dir = join(root, 'out')
  const path = join(dir, 'out.ndjson')
  const s = new FileSink('file-0', path, true)
  await s.write(outEvents(1, 0))
  rmSync(dir, { recursive: true })
  await s.write(outEvents(2, 1))
  t.same(serials(path), [1, 2], 'between batches: the next batch is in the new file')
  t.equal(statSync(dir).mode & 0o777, 0o750)
  await duringFsync(t, () => { rmSync(dir, { recursive: true }) })
  await s.write(outEvents(2, 3))
  t.same(serials(path), [3, 4], 'removed during the write: written again where the path points')
  await s.close()
})

t.test('removed during two writes in a row: the batch fails (retried), it is not reported delivered', async (t) => {
  const dir = outDir(t)
  const path = join(dir, 'out.ndjson')
  const s = new FileSink('file-0', path, true)
  await s.write(outEvents(1, 0))
  await duringFsync(t, () => { unlinkSync(path) }, 2)
  await t.rejects(s.write(outEvents(2, 1)), { code: 'AS_SINK_WRITE', message: /renamed or removed during two writes in a row/ })
  await s.write(outEvents(1, 3))
  t.same(serials(path), [3], 'the next attempt opens the path again')
  await s.close()
})

t.test('reopen() (SIGHUP): closes the file and opens the path anew', async (t) => {
  const dir = outDir(t)
  const path = join(dir, 'out.ndjson')
  const s = new FileSink('file-0', path, true)
  await s.write(outEvents(2, 0))
  renameSync(path, `${path}.1`)
  t.equal(await s.reopen(), path, 'says what it reopened')
  t.ok(existsSync(path), 'the new file is created at once')
  await s.write(outEvents(1, 2))
  t.same(serials(`${path}.1`), [0, 1])
  t.same(serials(path), [2])
  t.equal(await s.reopen(), path, 'reopening the same file is harmless')
  await s.write(outEvents(1, 3))
  t.same(serials(path), [2, 3])
  await s.close()
})

t.test('a symlink at the output path is refused: the file it points to is untouched', async (t) => {
  const dir = outDir(t)
  writeFileSync(join(dir, 'shadow'), 'root only\n')
  symlinkSync(join(dir, 'shadow'), join(dir, 'out.ndjson'))
  const s = new FileSink('file-0', join(dir, 'out.ndjson'), true)
  await t.rejects(s.write(outEvents(1, 0)), { message: /symbolic link/ })
  t.equal(readFileSync(join(dir, 'shadow'), 'utf8'), 'root only\n')
})

t.test('a group-writable output directory is refused', async (t) => {
  const dir = t.testdir()
  chmodSync(dir, 0o770)
  const s = new FileSink('file-0', join(dir, 'out.ndjson'), true)
  await t.rejects(s.write(outEvents(1, 0)), { message: /writable by its group/ })
  t.notOk(existsSync(join(dir, 'out.ndjson')))
})

import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { planResume, type PlanKind, type Snapshot } from '../../src/source/rotation.js'
import { FINGERPRINT_BYTES, identify, matchesContent, sameFile, type FileIdentity, type FileState } from '../../src/source/identity.js'

// fingerprints are hex strings; short ones stand for files shorter than FINGERPRINT_BYTES
const id = (ino: number, fingerprint: string, dev = 1): FileIdentity => ({ dev, ino, fingerprint, fpLen: fingerprint.length / 2 })
const st = (ino: number, fingerprint: string, size: number, dev = 1): FileState => ({ dev, ino, fingerprint, fpLen: fingerprint.length / 2, size })
const snap = (...e: Array<[string, FileState]>): Snapshot => e.map(([path, identity]) => ({ path, identity }))

const OURS = id(10, 'aa01') // our file began with bytes aa 01
const AT = 100 // and we had consumed 100 bytes of it

interface Case {
  name: string
  ours?: FileIdentity
  offset?: number
  snapshot: Snapshot
  knownOlder?: FileIdentity[]
  held?: boolean
  kind: PlanKind
  steps: Array<[string, number]>
  rotations?: number
  truncations?: number
  copytruncates?: number
  filesLost?: number
  bytesLost?: number | null
}

const cases: Case[] = [
  {
    name: 'same: live file is ours and grew (fingerprint grew from a prefix)',
    snapshot: snap(['audit.log', st(10, 'aa01bb', 150)], ['audit.log.1', st(9, 'ff', 500)]),
    kind: 'same', steps: [['audit.log', AT]],
  },
  {
    name: 'same: exactly at its end',
    snapshot: snap(['audit.log', st(10, 'aa01', 100)]),
    kind: 'same', steps: [['audit.log', AT]],
  },
  {
    name: 'same: checkpoint taken while the file was empty (empty fingerprint, same inode)',
    ours: id(10, ''), offset: 0,
    snapshot: snap(['audit.log', st(10, 'aa01', 100)]),
    kind: 'same', steps: [['audit.log', 0]],
  },
  {
    name: 'same: the live path is missing (between rename and create), ours is the newest file',
    snapshot: snap(['audit.log.1', st(10, 'aa01', 120)]),
    kind: 'same', steps: [['audit.log.1', AT]],
  },
  {
    name: 'rotated once (auditd rename): drain ours from the offset, then the new live file from 0',
    snapshot: snap(['audit.log', st(11, 'cc', 20)], ['audit.log.1', st(10, 'aa01bb', 180)], ['audit.log.2', st(9, 'ff', 500)]),
    kind: 'rotated', steps: [['audit.log.1', AT], ['audit.log', 0]], rotations: 1,
  },
  {
    name: 'rotated three times while down: .3 from the offset, then .2, .1, live from 0',
    snapshot: snap(['audit.log', st(14, 'e4', 5)], ['audit.log.1', st(13, 'e3', 50)], ['audit.log.2', st(12, 'e2', 50)], ['audit.log.3', st(10, 'aa01', 300)], ['audit.log.4', st(9, 'ff', 50)]),
    kind: 'rotated', steps: [['audit.log.3', AT], ['audit.log.2', 0], ['audit.log.1', 0], ['audit.log', 0]], rotations: 3,
  },
  {
    name: 'copytruncate: live has our inode but is shorter, .1 is a copy (new inode, our first bytes)',
    snapshot: snap(['audit.log', st(10, '', 0)], ['audit.log.1', st(12, 'aa01bb', 180)], ['audit.log.2', st(9, 'ff', 500)]),
    kind: 'copytruncated', steps: [['audit.log.1', AT], ['audit.log', 0]], copytruncates: 1,
  },
  {
    name: 'copytruncate, then the live file grew past our offset with other first bytes',
    snapshot: snap(['audit.log', st(10, 'dd', 400)], ['audit.log.1', st(12, 'aa01bb', 180)]),
    kind: 'copytruncated', steps: [['audit.log.1', AT], ['audit.log', 0]], copytruncates: 1,
  },
  {
    name: 'two copytruncates while down: ours is the copy .2, then .1 and the live file from 0',
    snapshot: snap(['audit.log', st(10, 'd2', 40)], ['audit.log.1', st(13, 'd1', 300)], ['audit.log.2', st(12, 'aa01bb', 180)]),
    kind: 'copytruncated', steps: [['audit.log.2', AT], ['audit.log.1', 0], ['audit.log', 0]], copytruncates: 1,
  },
  {
    name: 'our inode is gone but a copy of our bytes exists (moved across filesystems): read the copy',
    snapshot: snap(['audit.log', st(30, 'aa01bb', 180)]),
    kind: 'copytruncated', steps: [['audit.log', AT]], copytruncates: 1,
  },
  {
    name: 'truncated: live has our inode, shrank below the offset, no copy, no other file',
    snapshot: snap(['audit.log', st(10, 'aa', 40)]),
    kind: 'truncated', steps: [['audit.log', 0]], truncations: 1, bytesLost: null,
  },
  {
    name: 'truncated: same inode, other first bytes, even though it is longer',
    snapshot: snap(['audit.log', st(10, 'ee', 400)]),
    kind: 'truncated', steps: [['audit.log', 0]], truncations: 1, bytesLost: null,
  },
  {
    name: 'truncated while held open (the inode cannot be reused): older siblings are not read again',
    held: true,
    snapshot: snap(['audit.log', st(10, 'ee', 400)], ['audit.log.1', st(9, 'ff', 500)]),
    kind: 'truncated', steps: [['audit.log', 0]], truncations: 1, bytesLost: null,
  },
  {
    name: 'truncated, siblings all known to be older',
    knownOlder: [id(9, 'ff')],
    snapshot: snap(['audit.log', st(10, '', 0)], ['audit.log.1', st(9, 'ff', 500)]),
    kind: 'truncated', steps: [['audit.log', 0]], truncations: 1, bytesLost: null,
  },
  {
    name: 'not held, our inode number on a new live file and siblings that may be newer: lost (inode reuse), all from 0',
    snapshot: snap(['audit.log', st(10, 'c2', 10)], ['audit.log.1', st(20, 'c1', 10)]),
    kind: 'lost', steps: [['audit.log.1', 0], ['audit.log', 0]], filesLost: 1, bytesLost: null,
  },
  {
    name: 'not held, the new live file with our inode is still empty: lost too, the sibling is read',
    snapshot: snap(['audit.log', st(10, '', 0)], ['audit.log.1', st(20, 'c1', 10)]),
    kind: 'lost', steps: [['audit.log.1', 0], ['audit.log', 0]], filesLost: 1, bytesLost: null,
  },
  {
    name: 'a rotated file of ours shrank: it from 0, then the newer ones',
    snapshot: snap(['audit.log', st(11, 'cc', 20)], ['audit.log.1', st(10, 'aa01', 60)]),
    kind: 'truncated', steps: [['audit.log.1', 0], ['audit.log', 0]], truncations: 1, bytesLost: null,
  },
  {
    name: 'lost: rotated past num_logs while down — every file left is newer, all from 0, oldest first',
    snapshot: snap(['audit.log', st(21, 'c2', 10)], ['audit.log.1', st(20, 'c1', 10)]),
    kind: 'lost', steps: [['audit.log.1', 0], ['audit.log', 0]], filesLost: 1, bytesLost: null,
  },
  {
    name: 'lost, with siblings known to be older: those are not read again',
    snapshot: snap(['audit.log', st(21, 'c2', 10)], ['audit.log.1', st(20, 'c1', 10)], ['audit.log.2', st(9, 'ff', 10)]),
    knownOlder: [id(9, 'ff')],
    kind: 'lost', steps: [['audit.log.1', 0], ['audit.log', 0]], filesLost: 1, bytesLost: null,
  },
  {
    name: 'lost: a known-older inode reused by a new file (other bytes) is read',
    snapshot: snap(['audit.log', st(9, 'c2', 10)]),
    knownOlder: [id(9, 'ff')],
    kind: 'lost', steps: [['audit.log', 0]], filesLost: 1, bytesLost: null,
  },
  {
    name: 'lost: nothing at all',
    snapshot: [],
    kind: 'lost', steps: [], filesLost: 1, bytesLost: null,
  },
  {
    name: 'same inode number on another device, other bytes: another file',
    snapshot: snap(['audit.log', st(10, 'bb01', 150, 2)]),
    kind: 'lost', steps: [['audit.log', 0]], filesLost: 1, bytesLost: null,
  },
  {
    name: 'same inode number on another device with our bytes: a copy (the log moved to another disk)',
    snapshot: snap(['audit.log', st(10, 'aa01', 150, 2)]),
    kind: 'copytruncated', steps: [['audit.log', AT]], copytruncates: 1,
  },
]

t.test('planResume', async (t) => {
  for (const c of cases) {
    const p = planResume({ identity: c.ours ?? OURS, offset: c.offset ?? AT }, c.snapshot, { knownOlder: c.knownOlder, held: c.held })
    t.equal(p.kind, c.kind, `${c.name}: kind`)
    t.same(p.steps.map((s) => [s.path, s.startOffset]), c.steps, `${c.name}: steps`)
    t.same(
      [p.rotations, p.truncations, p.copytruncates, p.filesLost, p.bytesLost],
      [c.rotations ?? 0, c.truncations ?? 0, c.copytruncates ?? 0, c.filesLost ?? 0, c.bytesLost === undefined ? 0 : c.bytesLost],
      `${c.name}: counters`,
    )
    t.ok(p.note.length > 0)
    for (const s of p.steps) t.ok(c.snapshot.some((e) => e.path === s.path && e.identity === s.identity), `${c.name}: steps carry the snapshot identity`)
  }
})

t.test('identity helpers', async (t) => {
  t.ok(sameFile(id(1, 'aa'), id(1, 'aabb')), 'a shorter fingerprint is a prefix')
  t.ok(sameFile(id(1, 'aabb'), id(1, 'aa')), 'either way')
  t.notOk(sameFile(id(1, 'aabb'), id(1, 'aacc')), 'other first bytes')
  t.notOk(sameFile(id(1, 'aa'), id(2, 'aa')), 'other inode')
  t.notOk(sameFile(id(1, 'aa', 1), id(1, 'aa', 2)), 'other device')
  t.ok(matchesContent(id(1, 'aa01'), id(7, 'aa01ff')), 'a copy starts with our bytes, whatever its inode')
  t.notOk(matchesContent(id(1, 'aa01ff'), id(7, 'aa01')), 'a file shorter than our fingerprint is not a copy of ours')
  t.notOk(matchesContent(id(1, ''), id(7, 'aa')), 'an empty fingerprint matches nothing')

  const dir = t.testdir({ short: 'abc', long: 'x'.repeat(200), empty: '' })
  t.equal(await identify(join(dir, 'missing')), undefined, 'a missing file is undefined')
  const s = await identify(join(dir, 'short'))
  t.match(s, { fingerprint: Buffer.from('abc').toString('hex'), fpLen: 3, size: 3 })
  const l = await identify(join(dir, 'long'))
  t.match(l, { fingerprint: Buffer.from('x'.repeat(FINGERPRINT_BYTES)).toString('hex'), fpLen: FINGERPRINT_BYTES, size: 200 })
  t.match(await identify(join(dir, 'empty')), { fingerprint: '', fpLen: 0, size: 0 })
  // appending keeps it the same file; rewriting the head does not
  writeFileSync(join(dir, 'short'), 'abcdef', { flag: 'a' })
  const s2 = await identify(join(dir, 'short'))
  t.ok(s2 !== undefined && s !== undefined && sameFile(s, s2), 'a file that grew is the same file')
  writeFileSync(join(dir, 'short'), 'zzz', { flag: 'r+' })
  const s3 = await identify(join(dir, 'short'))
  t.ok(s3 !== undefined && s !== undefined && !sameFile(s, s3), 'rewritten in place: not the same file')
})

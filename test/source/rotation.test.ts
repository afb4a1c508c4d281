import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { planAfter, planResume, type PlanKind, type Snapshot } from '../../src/source/rotation.js'
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
  allOlderKnown?: boolean
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

// Following (held open, every older file known): a head not pinned yet (fewer than
// FINGERPRINT_BYTES known; an empty file: none) may have been copied, truncated and refilled
// with bytes that begin alike. The copy is then a new file just below ours.
const FULL = 'ab'.repeat(FINGERPRINT_BYTES) // a pinned head
const follow = { held: true, allOlderKnown: true }
const OLD = id(9, 'ff') // known to be older
cases.push(
  {
    name: 'unpinned, empty head refilled: the new file below ours is the copy, read from the offset, then ours from 0 (#11)',
    ours: id(10, ''), offset: 0, ...follow, knownOlder: [OLD],
    snapshot: snap(['audit.log', st(10, 'dd', 40)], ['audit.log.1', st(12, 'cc', 30)], ['audit.log.2', st(9, 'ff', 500)]),
    kind: 'copytruncated', steps: [['audit.log.1', 0], ['audit.log', 0]], copytruncates: 1,
  },
  {
    name: 'unpinned, two copies below ours: the oldest from the offset, then the newer one and ours from 0',
    ours: id(10, ''), offset: 0, ...follow, knownOlder: [OLD],
    snapshot: snap(['audit.log', st(10, 'dd', 40)], ['audit.log.1', st(13, 'ee', 30)], ['audit.log.2', st(12, 'cc', 30)], ['audit.log.3', st(9, 'ff', 500)]),
    kind: 'copytruncated', steps: [['audit.log.2', 0], ['audit.log.1', 0], ['audit.log', 0]], copytruncates: 1,
  },
  {
    name: 'short head refilled with the same first bytes: the copy is the oldest new file that begins with ours and holds the offset',
    ours: id(10, 'aa01'), offset: 2, ...follow, knownOlder: [OLD],
    snapshot: snap(['audit.log', st(10, 'aa01cc', 40)], ['audit.log.1', st(13, 'bb', 30)], ['audit.log.2', st(12, 'aa01dd', 30)], ['audit.log.3', st(9, 'ff', 500)]),
    kind: 'copytruncated', steps: [['audit.log.2', 2], ['audit.log.1', 0], ['audit.log', 0]], copytruncates: 1,
  },
  {
    name: 'unpinned, every file below ours known: same',
    ours: id(10, ''), offset: 0, ...follow, knownOlder: [id(12, 'cc'), OLD],
    snapshot: snap(['audit.log', st(10, 'dd', 40)], ['audit.log.1', st(12, 'cc', 30)], ['audit.log.2', st(9, 'ff', 500)]),
    kind: 'same', steps: [['audit.log', 0]],
  },
  {
    name: 'unpinned, a file known while empty is still empty: known, same',
    ours: id(10, ''), offset: 0, ...follow, knownOlder: [id(12, '')],
    snapshot: snap(['audit.log', st(10, 'dd', 40)], ['audit.log.1', st(12, '', 0)]),
    kind: 'same', steps: [['audit.log', 0]],
  },
  {
    name: 'unpinned, a new file below ours but the older files are not all known (at start): not guessed, same',
    ours: id(10, ''), offset: 0, held: true, knownOlder: [OLD],
    snapshot: snap(['audit.log', st(10, 'dd', 40)], ['audit.log.1', st(12, 'cc', 30)], ['audit.log.2', st(9, 'ff', 500)]),
    kind: 'same', steps: [['audit.log', 0]],
  },
  {
    name: 'pinned head: a new file below ours is not a copy (a refill would show), same',
    ours: id(10, FULL), offset: 100, ...follow, knownOlder: [OLD],
    snapshot: snap(['audit.log', st(10, FULL, 200)], ['audit.log.1', st(12, FULL, 150)], ['audit.log.2', st(9, 'ff', 500)]),
    kind: 'same', steps: [['audit.log', 100]],
  },
  {
    name: 'unpinned: a new file below that is empty, begins otherwise or is shorter than the offset is not the copy',
    ours: id(10, 'aa01'), offset: 40, ...follow, knownOlder: [OLD],
    snapshot: snap(['audit.log', st(10, 'aa01', 60)], ['audit.log.1', st(14, '', 0)], ['audit.log.2', st(13, 'bb', 90)], ['audit.log.3', st(12, 'aa01', 30)], ['audit.log.4', st(9, 'ff', 500)]),
    kind: 'same', steps: [['audit.log', 40]],
  },
)

t.test('planResume', async (t) => {
  for (const c of cases) {
    const p = planResume({ identity: c.ours ?? OURS, offset: c.offset ?? AT }, c.snapshot, { knownOlder: c.knownOlder, held: c.held, allOlderKnown: c.allOlderKnown })
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

interface AfterCase {
  name: string
  done: FileIdentity
  snapshot: Snapshot
  knownOlder?: FileIdentity[]
  queued?: FileIdentity[]
  steps: string[]
  rotations?: number
  copytruncates?: number
}

// A file read to its end is left: what comes next is every file newer than it in the set as it
// is now, from 0 (#11: a queued file copied away and truncated meanwhile is read from its copy).
const afterCases: AfterCase[] = [
  {
    name: 'nothing new: the queued live file',
    done: id(11, 'bb'), queued: [id(12, 'cc')],
    snapshot: snap(['audit.log', st(12, 'cc', 40)], ['audit.log.1', st(11, 'bb', 90)]),
    steps: ['audit.log'],
  },
  {
    name: 'copytruncate while the first copy was read: the new copy of the queued live file, then the live file',
    done: id(11, 'bb'), queued: [id(10, 'cc')],
    snapshot: snap(['audit.log', st(10, 'dd', 40)], ['audit.log.1', st(13, 'cc', 90)], ['audit.log.2', st(11, 'bb', 90)]),
    steps: ['audit.log.1', 'audit.log'], copytruncates: 1,
  },
  {
    name: 'the queued live file was empty (no fingerprint) and was copied and truncated: found by place',
    done: id(11, 'bb'), queued: [id(10, '')],
    snapshot: snap(['audit.log', st(10, 'f3', 10)], ['audit.log.1', st(13, 'f2', 10)], ['audit.log.2', st(11, 'bb', 90)], ['audit.log.3', st(9, 'ff', 90)]),
    knownOlder: [OLD],
    steps: ['audit.log.1', 'audit.log'], copytruncates: 1,
  },
  {
    name: 'two copytruncates: both copies in order, then the live file',
    done: id(11, 'bb'), queued: [id(10, 'cc')],
    snapshot: snap(['audit.log', st(10, 'ee', 40)], ['audit.log.1', st(14, 'dd', 90)], ['audit.log.2', st(13, 'cc', 90)], ['audit.log.3', st(11, 'bb', 90)]),
    steps: ['audit.log.2', 'audit.log.1', 'audit.log'], copytruncates: 2,
  },
  {
    name: 'auditd rotated while the queue waited: the queued files under their new names, then the new live file',
    done: id(11, 'bb'), queued: [id(12, 'c2'), id(13, 'c3')],
    snapshot: snap(['audit.log', st(14, 'c4', 5)], ['audit.log.1', st(13, 'c3', 50)], ['audit.log.2', st(12, 'c2', 50)], ['audit.log.3', st(11, 'bb', 90)]),
    steps: ['audit.log.2', 'audit.log.1', 'audit.log'], rotations: 1,
  },
  {
    name: 'the file left is under no name any more: the newest file known to be older stands in for it',
    done: id(11, 'bb'), knownOlder: [OLD],
    snapshot: snap(['audit.log', st(21, 'c2', 10)], ['audit.log.1', st(20, 'c1', 10)], ['audit.log.2', st(9, 'ff', 10)]),
    steps: ['audit.log.1', 'audit.log'], copytruncates: 1, rotations: 1,
  },
  {
    name: 'under no name and nothing known: every file is read (duplicates rather than a gap)',
    done: id(11, 'bb'),
    snapshot: snap(['audit.log', st(21, 'c2', 10)], ['audit.log.1', st(20, 'c1', 10)]),
    steps: ['audit.log.1', 'audit.log'], copytruncates: 1, rotations: 1,
  },
  {
    name: 'its inode number given to a file with other bytes: not taken for it',
    done: id(11, 'bb'), knownOlder: [OLD], queued: [id(11, 'cc')],
    snapshot: snap(['audit.log', st(11, 'cc', 10)], ['audit.log.1', st(9, 'ff', 10)]),
    steps: ['audit.log'],
  },
  {
    name: 'a file known while empty is known while it stays empty; with bytes it is a new file',
    done: id(11, 'bb'), knownOlder: [id(20, '')], queued: [id(30, 'cc')],
    snapshot: snap(['audit.log', st(30, 'cc', 10)], ['audit.log.1', st(20, '', 0)]),
    steps: ['audit.log'],
  },
  {
    name: '… and the same inode with bytes now',
    done: id(11, 'bb'), knownOlder: [id(20, '')], queued: [id(30, 'cc')],
    snapshot: snap(['audit.log', st(30, 'cc', 10)], ['audit.log.1', st(20, 'dd', 10)]),
    steps: ['audit.log.1', 'audit.log'], copytruncates: 1,
  },
]

t.test('planAfter', async (t) => {
  for (const c of afterCases) {
    const a = planAfter(c.done, c.snapshot, c.knownOlder, c.queued)
    t.same(a.steps.map((s) => s.path), c.steps, `${c.name}: steps`)
    t.ok(a.steps.every((s) => s.startOffset === 0), `${c.name}: from 0`)
    t.same([a.rotations, a.copytruncates], [c.rotations ?? 0, c.copytruncates ?? 0], `${c.name}: counters`)
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

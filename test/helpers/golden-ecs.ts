/**
 * go-libaudit aucoalesce goldens (`aucoalesce__testdata__*.json.golden`) → the fields of our
 * document, for test/oracle/aucoalesce.test.ts.
 *
 * A golden event is aucoalesce's own shape (`user.ids`, `process.exe`, `data`, `paths`, `ecs`
 * …). Auditbeat turns it into its ECS document (elastic/beats auditbeat/module/auditd
 * `buildMetricbeatEvent`, docs/sinks.md §4); auditship ships that ECS shape. So each golden
 * leaf is given the name Auditbeat gives it in its document, and that name is looked up in
 * ours:
 *
 *   @timestamp, tags, source.*, destination.*, network.*, file.*   same name
 *   sequence, record_type, result, session            auditd.sequence / message_type / result /
 *                                                     session ("unset": Auditbeat omits it)
 *   summary.*                                         auditd.summary.*
 *   user.ids.uid/gid/euid/egid/suid/sgid/fsuid/fsgid  user.id, user.group.id, user.effective.id,
 *                                                     user.effective.group.id, user.saved.id,
 *                                                     user.saved.group.id, user.filesystem.id,
 *                                                     user.filesystem.group.id (addUser)
 *   user.ids.auid                                     user.audit.id ("unset": omitted)
 *   user.ids.<other> (old-auid)                       that field of the records
 *   user.selinux.*                                    user.selinux.*
 *   process.pid/ppid/exe/cwd/name/title/args          process.pid / parent.pid / executable /
 *                                                     working_directory / name / title / args
 *   paths[i].K                                        field K of the i-th PATH record
 *   paths[i].obj_user/role/domain/level               that part of its obj= (aucoalesce splits
 *                                                     it, our records keep it as written)
 *   data.arch/syscall/exit                            auditd.arch / syscall / exit
 *   data.socket_addr/port/family                      auditd.socket.addr / port / family
 *   data.K                                            field K of the records (primary first) —
 *                                                     our auditd.records[].fields is the
 *                                                     counterpart of Auditbeat's auditd.data
 *   ecs.event.kind/category/type                      event.kind / category / type
 *   ecs.user(.effective/.target/.changes), ecs.group  user(.effective …), group: Auditbeat's
 *                                                     setECSEntity: the entity replaces what
 *                                                     addUser put there ("unset" id → none);
 *                                                     user.effective/target/changes equal to
 *                                                     user are then removed
 *   category                                          none (aucoalesce's legacy category)
 *
 * Values are compared as strings (Auditbeat and we write pid/port as numbers, the golden as
 * strings); arrays of strings as one value each.
 */

export type Leaf = string | string[]

/** golden path → our path (undefined: no counterpart) and the value we should have there */
export interface Expectation {
  golden: string
  ours: string | undefined
  want: Leaf | undefined
}

const UNSET = 'unset'

function flatten (prefix: string, v: unknown, out: Map<string, Leaf>): void {
  if (v === null || v === undefined) return
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== 'object' || x === null)) { out.set(prefix, v.map(String)); return }
    v.forEach((x, i) => flatten(`${prefix}[${i}]`, x, out))
    return
  }
  if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(prefix === '' ? k : `${prefix}.${k}`, x, out)
    return
  }
  out.set(prefix, String(v))
}

const IDS: Record<string, string> = {
  uid: 'user.id',
  gid: 'user.group.id',
  euid: 'user.effective.id',
  egid: 'user.effective.group.id',
  suid: 'user.saved.id',
  sgid: 'user.saved.group.id',
  fsuid: 'user.filesystem.id',
  fsgid: 'user.filesystem.group.id',
  auid: 'user.audit.id',
}

const PROCESS: Record<string, string> = {
  pid: 'process.pid',
  ppid: 'process.parent.pid',
  exe: 'process.executable',
  cwd: 'process.working_directory',
  name: 'process.name',
  title: 'process.title',
  args: 'process.args',
}

const DATA: Record<string, string> = {
  arch: 'auditd.arch',
  syscall: 'auditd.syscall',
  exit: 'auditd.exit',
  socket_addr: 'auditd.socket.addr',
  socket_port: 'auditd.socket.port',
  socket_family: 'auditd.socket.family',
}

const TOP: Record<string, string> = {
  '@timestamp': '@timestamp',
  sequence: 'auditd.sequence',
  record_type: 'auditd.message_type',
  result: 'auditd.result',
  session: 'auditd.session',
  tags: 'tags',
  'ecs.event.kind': 'event.kind',
  'ecs.event.category': 'event.category',
  'ecs.event.type': 'event.type',
}

/** Our name for one golden leaf (without the ecs.user / ecs.group overrides). */
function ourName (g: string): string | undefined {
  const top = TOP[g]
  if (top !== undefined) return top
  const dot = g.indexOf('.')
  const head = dot < 0 ? g : g.slice(0, dot)
  const rest = dot < 0 ? '' : g.slice(dot + 1)
  switch (head) {
    case 'summary': return `auditd.summary.${rest}`
    case 'source': case 'destination': case 'network': case 'file': return g
    case 'process': return PROCESS[rest]
    case 'data': return DATA[rest] ?? `records[*].${rest}`
    case 'user':
      if (rest.startsWith('ids.')) return IDS[rest.slice(4)] ?? `records[*].${rest.slice(4)}`
      if (rest.startsWith('selinux.')) return g
      return undefined
  }
  const m = /^paths\[(\d+)\]\.(.+)$/.exec(g)
  // aucoalesce splits a PATH's obj= into obj_user/obj_role/obj_domain/obj_level; we keep obj
  if (m !== null) return m[2].startsWith('obj_') ? `records[PATH#${m[1]}].obj:${m[2].slice(4)}` : `records[PATH#${m[1]}].${m[2]}`
  return undefined
}

/** Auditbeat's setECSEntity + removal of entities equal to `user`, on the expectation list. */
function applyEcsEntities (golden: Map<string, Leaf>, exp: Map<string, Expectation>): void {
  const entities: Array<[string, string]> = [
    ['ecs.user', 'user'], ['ecs.user.effective', 'user.effective'], ['ecs.user.target', 'user.target'],
    ['ecs.user.changes', 'user.changes'], ['ecs.group', 'group'],
  ]
  for (const [g, ours] of entities) {
    const id = golden.get(`${g}.id`) as string | undefined
    const name = golden.get(`${g}.name`) as string | undefined
    if (id === undefined && name === undefined) continue
    for (const [suffix, v] of [['id', id], ['name', name]] as const) {
      const path = `${ours}.${suffix}`
      // what addUser put at this name is replaced
      for (const [k, e] of exp) if (e.ours === path) exp.delete(k)
      if (v !== undefined) exp.set(`${g}.${suffix}`, { golden: `${g}.${suffix}`, ours: path, want: v === UNSET ? undefined : v })
    }
  }
  const userId = exp.get('ecs.user.id')?.want ?? [...exp.values()].find((e) => e.ours === 'user.id')?.want
  const userName = exp.get('ecs.user.name')?.want
  if (userId === undefined && userName === undefined) return
  for (const ent of ['user.effective', 'user.target', 'user.changes']) {
    const eid = [...exp.values()].find((e) => e.ours === `${ent}.id`)
    const ename = [...exp.values()].find((e) => e.ours === `${ent}.name`)
    if (eid === undefined && ename === undefined) continue
    const same = (userId === undefined || eid?.want === userId) && (userName === undefined || ename?.want === userName)
    // Auditbeat deletes the whole entity (user.effective.group with it)
    if (same) for (const e of exp.values()) if (e.ours?.startsWith(`${ent}.`) === true) e.want = undefined
  }
}

/** Every leaf of a golden event, with our name for it and the value we should have. */
export function expectations (goldenEvent: Record<string, unknown>): Expectation[] {
  const golden = new Map<string, Leaf>()
  flatten('', goldenEvent, golden)
  const exp = new Map<string, Expectation>()
  for (const [g, v] of golden) {
    if (g.startsWith('ecs.user') || g.startsWith('ecs.group')) continue
    let want: Leaf | undefined = v
    // Auditbeat omits an unset auid / session
    if ((g === 'session' || g === 'user.ids.auid') && v === UNSET) want = undefined
    // Go writes the time with trailing zeros dropped (2018-04-25T13:28:53.08Z): same instant
    if (g === '@timestamp' && typeof v === 'string') want = new Date(v).toISOString()
    exp.set(g, { golden: g, ours: ourName(g), want })
  }
  applyEcsEntities(golden, exp)
  return [...exp.values()]
}

interface OurRecord { type: string, fields: Record<string, string> }

/** Our value at a name of `ourName` (records[*].K, records[PATH#i].K, or a dotted path). */
export function ourValue (doc: Record<string, unknown>, path: string): Leaf | undefined {
  const records = ((doc.auditd as { records?: OurRecord[] } | undefined)?.records) ?? []
  if (path.startsWith('records[*].')) {
    const k = path.slice('records[*].'.length)
    const primary = records.find((r) => r.type === 'SYSCALL') ?? records[0]
    const v = primary?.fields[k] ?? records.find((r) => r.fields[k] !== undefined)?.fields[k]
    return v
  }
  const m = /^records\[PATH#(\d+)\]\.(.+)$/.exec(path)
  if (m !== null) {
    const f = records.filter((r) => r.type === 'PATH')[Number(m[1])]?.fields
    const part = /^obj:(user|role|domain|level)$/.exec(m[2])
    if (part === null) return f?.[m[2]]
    return f?.obj?.split(':')[['user', 'role', 'domain', 'level'].indexOf(part[1])]
  }
  let cur: unknown = doc
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[seg]
  }
  if (cur === undefined || cur === null) return undefined
  if (Array.isArray(cur)) return cur.map(String)
  if (typeof cur === 'object') return JSON.stringify(cur)
  return String(cur)
}

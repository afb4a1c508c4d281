/**
 * Build a record's field object fast.
 *
 * Records of one kind carry the same keys in the same order (every SYSCALL has arch, syscall,
 * success, …). Adding keys one by one to a fresh object costs a megamorphic keyed store per
 * field; an object literal with fixed keys costs almost nothing, and later property reads and
 * JSON.stringify take V8's fast paths. So each distinct key sequence ("shape") gets a small
 * compiled constructor, cached. The tokenizer walks a trie of shapes as it reads the keys
 * (Shape.child: a Map lookup per key, no string built per record to name the sequence).
 * Keys come from the log, so:
 *   - they enter the generated source only as JSON string literals (no code injection);
 *   - `__proto__` never becomes a literal key (it would set the prototype): such shapes, and
 *     shapes beyond the bounds (trie nodes, compiled constructors, keys per record, key
 *     length), use the plain path;
 *   - the trie keeps its keys: they must be copies, not views into a line (parse/intern.ts);
 *   - a repeated key is kept under `key_2`, `key_3`, … (never overwritten).
 */

type Make = (v: string[]) => Record<string, string>

const MAX_COMPILED = 2048
const MAX_NODES = 16384
const MAX_KEYS_COMPILED = 64
/** longer keys are not kept in the trie (parse/intern.ts copies keys up to this length) */
const MAX_KEY_LENGTH = 32
let compiled = 0
let nodes = 1

/** A key sequence, as a node of the trie rooted at `Shape.root` (its keys are the path to it). */
export class Shape {
  static readonly root = new Shape(0)
  private next: Map<string, Shape> | undefined = undefined
  /** undefined: not compiled yet; null: this shape takes the plain path */
  make: Make | null | undefined = undefined

  private constructor (readonly depth: number) {}

  /** This sequence with `key` appended; undefined past the bounds (the record takes the plain path). */
  child (key: string): Shape | undefined {
    const s = this.next?.get(key)
    if (s !== undefined) return s
    if (nodes >= MAX_NODES || this.depth >= MAX_KEYS_COMPILED || key.length > MAX_KEY_LENGTH) return undefined
    nodes++
    const c = new Shape(this.depth + 1)
    ;(this.next ??= new Map()).set(key, c)
    return c
  }
}

/**
 * Unique names for a key sequence: repeats become key_2, key_3 … Linear in the number of
 * keys (a line repeating one key thousands of times must not cost their square): each base
 * name remembers the next suffix to try.
 */
export function uniqueKeys (keys: string[]): string[] {
  const seen = new Set<string>()
  let next: Map<string, number> | undefined
  const out: string[] = new Array(keys.length)
  for (let i = 0; i < keys.length; i++) {
    let k = keys[i]
    if (seen.has(k) || k === '__proto__') {
      next ??= new Map()
      let n = next.get(k) ?? 2
      while (seen.has(`${keys[i]}_${n}`)) n++
      k = `${keys[i]}_${n}`
      next.set(keys[i], n + 1)
    }
    seen.add(k)
    out[i] = k
  }
  return out
}

function compile (keys: string[]): Make {
  const names = uniqueKeys(keys)
  const body = names.map((k, i) => `${JSON.stringify(k)}:v[${i}]`).join(',')
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- on purpose; keys enter only as JSON string literals (header)
  return new Function('v', `return {${body}}`) as Make
}

function plain (keys: string[], values: string[], n: number): Record<string, string> {
  const names = uniqueKeys(keys.length === n ? keys : keys.slice(0, n))
  const o: Record<string, string> = {}
  for (let i = 0; i < n; i++) {
    // defineProperty: a key named __proto___2 etc. is data; never touch the prototype
    Object.defineProperty(o, names[i], { value: values[i], enumerable: true, writable: true, configurable: true })
  }
  return o
}

/**
 * The object of the first `n` keys and values (the arrays may be longer: the tokenizer reuses
 * them); `shape` is the node those keys lead to, undefined when they left the trie's bounds.
 */
export function objectFrom (keys: string[], values: string[], n: number, shape: Shape | undefined): Record<string, string> {
  if (shape === undefined) return plain(keys, values, n)
  let make = shape.make
  if (make === undefined) {
    const own = keys.slice(0, n)
    make = compiled >= MAX_COMPILED || own.includes('__proto__') ? null : compile(own)
    if (make !== null) compiled++
    shape.make = make
  }
  return make === null ? plain(keys, values, n) : make(values)
}

/**
 * Build a record's field object fast.
 *
 * Records of one kind carry the same keys in the same order (every SYSCALL has arch, syscall,
 * success, …). Adding keys one by one to a fresh object costs a megamorphic keyed store per
 * field; an object literal with fixed keys costs almost nothing, and later property reads and
 * JSON.stringify take V8's fast paths. So each distinct key sequence ("shape") gets a small
 * compiled constructor, cached. Keys come from the log, so:
 *   - they enter the generated source only as JSON string literals (no code injection);
 *   - `__proto__` never becomes a literal key (it would set the prototype): such shapes, and
 *     shapes beyond the cache bound, use the plain path;
 *   - a repeated key is kept under `key_2`, `key_3`, … (never overwritten).
 */

type Make = (v: string[]) => Record<string, string>

const MAX_SHAPES = 2048
const MAX_KEYS_COMPILED = 64
const shapes = new Map<string, Make>()

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

function plain (keys: string[], values: string[]): Record<string, string> {
  const names = uniqueKeys(keys)
  const o: Record<string, string> = {}
  for (let i = 0; i < names.length; i++) {
    // defineProperty: a key named __proto___2 etc. is data; never touch the prototype
    Object.defineProperty(o, names[i], { value: values[i], enumerable: true, writable: true, configurable: true })
  }
  return o
}

/** `sig` is the keys joined by a separator that cannot occur in a key (the tokenizer builds it). */
export function objectFrom (keys: string[], values: string[], sig: string): Record<string, string> {
  let make = shapes.get(sig)
  if (make === undefined) {
    if (shapes.size >= MAX_SHAPES || keys.length > MAX_KEYS_COMPILED || keys.includes('__proto__')) return plain(keys, values)
    make = compile(keys)
    shapes.set(sig, make)
  }
  return make(values)
}

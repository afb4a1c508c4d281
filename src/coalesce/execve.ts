/**
 * EXECVE → argv (docs/auditd-format.md §1.4). Arguments are `aN` (already decoded by the
 * tokenizer), or, when one does not fit a record, `aN_len=L` and hex chunks `aN[0]`, `aN[1]`, …
 * that may continue in further EXECVE records of the same event. Chunks are joined in index
 * order and then decoded, so a UTF-8 sequence split across chunks survives.
 *
 * When the event bound dropped records from the middle (`gaps`), the arguments in them are
 * missing, in whole or in part: an argument is taken only when it is whole (every chunk from
 * [0] on, as long as its aN_len says), the ones after the gap are still taken, and the missing
 * ones are reported (`missing`: how many, and the argv index of the first).
 */
import { decodeHex, isHexString } from '../parse/decode.js'

export interface ExecveResult {
  args: string[]
  /** argc as logged (may exceed args.length when records were lost or truncated) */
  argc: number | undefined
  escaped: boolean
  /** with `gaps`: the arguments not in args (count, and argv index of the first) */
  missing?: { count: number, from: number }
}

export function reassembleArgs (execveFields: ReadonlyArray<Record<string, string>>, gaps = false): ExecveResult {
  let merged: Record<string, string>
  if (execveFields.length === 1) merged = execveFields[0]
  else {
    merged = {}
    for (const f of execveFields) Object.assign(merged, f)
  }
  const argcRaw = merged.argc
  const argc = argcRaw === undefined ? undefined : Number(argcRaw)
  const known = argc !== undefined && Number.isFinite(argc)
  const args: string[] = []
  let escaped = false
  let missing: ExecveResult['missing']
  // with gaps the loop runs past missing arguments: only as far as the arguments present (argc is not trusted)
  const limit = !known ? Number.MAX_SAFE_INTEGER : gaps ? Math.min(argc, topIndex(merged)) : argc
  for (let i = 0; i < limit; i++) {
    const plain = merged['a' + i]
    if (plain !== undefined) { args.push(plain); continue }
    const first = merged[`a${i}[0]`]
    if (first === undefined) {
      if (!gaps || !known) break
      if (missing === undefined) missing = { count: 1, from: i }
      else missing.count++
      continue
    }
    let hex = first
    for (let k = 1; ; k++) {
      const chunk = merged[`a${i}[${k}]`]
      if (chunk === undefined) break
      hex += chunk
    }
    const isHex = isHexString(hex)
    if (gaps && known && !whole(merged[`a${i}_len`], isHex ? hex.length / 2 : hex.length)) {
      if (missing === undefined) missing = { count: 1, from: i }
      else missing.count++
      continue
    }
    if (isHex) {
      const d = decodeHex(hex)
      if (d.escaped) escaped = true
      args.push(d.value)
    } else {
      args.push(hex)
    }
  }
  if (gaps && known && limit < argc) {
    if (missing === undefined) missing = { count: argc - limit, from: limit }
    else missing.count += argc - limit
  }
  const out: ExecveResult = { args, argc: known ? argc : undefined, escaped }
  if (missing !== undefined) out.missing = missing
  return out
}

/** The joined chunks are as long as the argument's aN_len (bytes); true when it gives none. */
function whole (lenRaw: string | undefined, got: number): boolean {
  if (lenRaw === undefined) return true
  const len = Number(lenRaw)
  return !Number.isFinite(len) || len === got
}

/** 1 + the highest argument index among the keys (`aN`, `aN[k]`, `aN_len`). */
function topIndex (merged: Record<string, string>): number {
  let top = 0
  for (const k of Object.keys(merged)) {
    const m = /^a(\d+)(?:\[|_len$|$)/.exec(k)
    if (m !== null) top = Math.max(top, Number(m[1]) + 1)
  }
  return top
}

/**
 * EXECVE → argv (docs/auditd-format.md §1.4). Arguments are `aN` (already decoded by the
 * tokenizer), or, when one does not fit a record, `aN_len=L` and hex chunks `aN[0]`, `aN[1]`, …
 * that may continue in further EXECVE records of the same event. Chunks are joined in index
 * order and then decoded, so a UTF-8 sequence split across chunks survives.
 */
import { decodeHex, isHexString } from '../parse/decode.js'

export interface ExecveResult {
  args: string[]
  /** argc as logged (may exceed args.length when records were lost or truncated) */
  argc: number | undefined
  escaped: boolean
}

export function reassembleArgs (execveFields: ReadonlyArray<Record<string, string>>): ExecveResult {
  let merged: Record<string, string>
  if (execveFields.length === 1) merged = execveFields[0]
  else merged = Object.assign({}, ...execveFields)
  const argcRaw = merged.argc
  const argc = argcRaw === undefined ? undefined : Number(argcRaw)
  const args: string[] = []
  let escaped = false
  const limit = argc !== undefined && Number.isFinite(argc) ? argc : Number.MAX_SAFE_INTEGER
  for (let i = 0; i < limit; i++) {
    const plain = merged['a' + i]
    if (plain !== undefined) { args.push(plain); continue }
    const first = merged[`a${i}[0]`]
    if (first === undefined) break
    let hex = first
    for (let k = 1; ; k++) {
      const chunk = merged[`a${i}[${k}]`]
      if (chunk === undefined) break
      hex += chunk
    }
    if (isHexString(hex)) {
      const d = decodeHex(hex)
      if (d.escaped) escaped = true
      args.push(d.value)
    } else {
      args.push(hex)
    }
  }
  return { args, argc: argc !== undefined && Number.isFinite(argc) ? argc : undefined, escaped }
}

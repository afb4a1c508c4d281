/**
 * Redaction of text before it reaches a place an operator reads: log lines, `/readyz`,
 * `doctor`, the dead-letter file. A peer's answer can hold anything, including our own
 * request headers echoed back (a proxy or server that quotes the Authorization header).
 *
 * MUST remove every secret this process holds: each is registered once by whoever reads or
 *      builds it (the sinks' factories: passwords, API keys, tokens and the Authorization
 *      header values made from them; the server's token), with the forms it may take in text
 *      (as is, JSON-escaped, URL-encoded, the credential after its scheme).
 * MUST remove credentials by their shape, registered or not: the value of an
 *      `Authorization:` (or `…token`, `…api_key`, `…password`, `…secret`, `cookie`) key, a
 *      credential after `Basic`, `Bearer`, `Splunk`, `ApiKey`, `Negotiate`, `NTLM`, and the
 *      user and password of a URL, up to the last `@` before the host.
 * MUST bound the text (`redact`): one line, at most `max` characters, and no more than a
 *      window of the input read, without leaving a cut credential at the window's edge.
 * Secrets shorter than 4 characters are not matched as such (they would mask ordinary
 * words); the header forms built from them still are.
 */

/** What a secret or credential becomes. */
export const REDACTED = '[redacted]'

const MIN_SECRET = 4
/** input read beyond `max` (longer than any credential, so a cut one is found at the edge) */
const SLACK = 16 * 1024

const forms = new Set<string>()
/** the forms, longest first (a secret containing another one is replaced whole) */
let ordered: string[] = []

/** HTTP authentication schemes whose credential follows after a space. */
const SCHEMES = 'basic|bearer|splunk|apikey|negotiate|ntlm'
const SCHEME_PREFIX = new RegExp(`^(?:${SCHEMES})\\s+(\\S.*)$`, 'i')

/**
 * A secret this process holds (a password, a token, an Authorization header value); it is
 * removed from every text `redact` and `scrubSecrets` see from now on.
 */
export function addSecret (value: string | undefined): void {
  if (value === undefined) return
  const v = value.trim()
  const cred = SCHEME_PREFIX.exec(v)?.[1]
  const add = [v, ...(cred === undefined ? [] : [cred])]
  let changed = false
  for (const s of add) {
    for (const f of [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)]) {
      if (f.length < MIN_SECRET || forms.has(f)) continue
      forms.add(f)
      changed = true
    }
  }
  if (changed) ordered = [...forms].sort((a, b) => b.length - a.length)
}

/** Every registered secret in `text` replaced by `[redacted]` (nothing else changes: for whole log lines). */
export function scrubSecrets (text: string): string {
  let s = text
  for (const f of ordered) if (s.includes(f)) s = s.split(f).join(REDACTED)
  return s
}

/** `scheme://user:password@host` → `scheme://***@host`, whatever the password holds (`@` included). */
export function maskUrlCredentials (text: string): string {
  // the userinfo runs to the LAST @ before the end of the authority (/ ? # or a space)
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>]*@/gi, '$1***@')
}

// `authorization: …`, `"x-api-key":"…"`, `token=…`, `cookie: …`: the value up to a delimiter,
// with its scheme (`Basic …`) when it has one; \\? and quotes allow JSON inside JSON
const KEYED = new RegExp(
  `\\b((?:proxy-)?authorization|[\\w-]*?(?:api[-_]?key|token|password|passwd|secret)|cookie)\\b(\\\\?["']?\\s*[:=]\\s*\\[?\\s*\\\\?["']?)((?:(?:${SCHEMES})\\s+)?[^\\s"'\\\\,;}\\]]+)`,
  'gi')
const SCHEMED = new RegExp(`\\b(${SCHEMES})(\\s+)([A-Za-z0-9+/=._~:-]{8,})`, 'gi')

/** A word after `Basic`/`Bearer`… that looks like a credential, not like prose ("Basic authentication"). */
function credentialLike (w: string): boolean {
  return /[\d+/=_~.:-]/.test(w) || (/[a-z]/.test(w) && /[A-Z]/.test(w.slice(1)))
}

function byShape (text: string): string {
  return maskUrlCredentials(text)
    .replace(KEYED, (m, key: string, sep: string, value: string) => /redacted$/.test(value) ? m : `${key}${sep}${REDACTED}`)
    .replace(SCHEMED, (m, scheme: string, sp: string, cred: string) => credentialLike(cred) ? `${scheme}${sp}${REDACTED}` : m)
}

/** What may be left of a credential where the window cut the text: a trailing word, or the start of a secret. */
function dropCutTail (s: string): string {
  let out = s.replace(/[A-Za-z0-9+/=._~:%-]+$/, '')
  for (const f of ordered) {
    for (let k = Math.min(f.length - 1, out.length); k > 0; k--) {
      if (out.endsWith(f.slice(0, k))) { out = out.slice(0, out.length - k); break }
    }
  }
  return out
}

/**
 * `text` as it may be shown: registered secrets and credential-shaped text removed, on one
 * line (whitespace runs become one space), at most `max` characters (then ending in `…`).
 */
export function redact (text: string, max = 1000): string {
  const window = max + SLACK
  const cut = text.length > window
  let s = byShape(scrubSecrets(cut ? text.slice(0, window) : text))
  if (cut) s = dropCutTail(s)
  s = s.replace(/\s+/g, ' ').trim()
  if (!cut && s.length <= max) return s
  let end = Math.min(max, s.length)
  // do not split a surrogate pair
  if (end > 0 && /[\uD800-\uDBFF]/.test(s.charAt(end - 1))) end--
  return `${s.slice(0, end)}…`
}

/** What one doctor check found: ok / warn / fail, what, and the fix when not ok. */
export type Status = 'ok' | 'warn' | 'fail'

export interface CheckResult {
  name: string
  status: Status
  detail: string
  /** what to do when not ok */
  fix?: string
}

/** `4294967295`: (u32)-1, an unset auid / ses (docs/auditd-format.md §1.3). */
export const UNSET_ID = '4294967295'

/**
 * ECS categorization: event.action / event.category / event.type by syscall name or record
 * type, after go-libaudit's normalizations (docs/sinks.md §4.3). Data only; looked up once
 * per event by name.
 */
export interface Categorization {
  readonly action: string
  readonly category: readonly string[]
  readonly type: readonly string[]
  /** what the event acts on, for the summary */
  readonly objectType?: string
  /** `alert` for anomaly records (event.kind) */
  readonly kind?: 'alert'
}

function c (action: string, category: string[], type: string[], objectType?: string, kind?: 'alert'): Categorization {
  return Object.freeze({ action, category: Object.freeze(category), type: Object.freeze(type), objectType, kind })
}

const FILE_INFO = ['file']
const bySyscall = new Map<string, Categorization>()
function sys (names: string[], cat: Categorization): void {
  for (const n of names) bySyscall.set(n, cat)
}

sys(['execve', 'execveat'], c('executed', ['process'], ['start'], 'file'))
sys(['open', 'openat', 'openat2', 'open_by_handle_at'], c('opened-file', FILE_INFO, ['info'], 'file'))
sys(['creat'], c('opened-file', FILE_INFO, ['creation'], 'file'))
sys(['truncate', 'ftruncate', 'fallocate'], c('opened-file', FILE_INFO, ['change'], 'file'))
sys(['read', 'readv', 'pread64', 'preadv'], c('read-file', FILE_INFO, ['info'], 'file'))
sys(['write', 'writev', 'pwrite64', 'pwritev'], c('wrote-to-file', FILE_INFO, ['change'], 'file'))
sys(['chmod', 'fchmod', 'fchmodat', 'fchmodat2'], c('changed-file-permissions-of', FILE_INFO, ['change'], 'file'))
sys(['chown', 'fchown', 'fchownat', 'lchown', 'chown32', 'fchown32', 'lchown32'], c('changed-file-ownership-of', FILE_INFO, ['change'], 'file'))
sys(['setxattr', 'lsetxattr', 'fsetxattr', 'removexattr', 'lremovexattr', 'fremovexattr'], c('changed-file-attributes-of', FILE_INFO, ['change'], 'file'))
sys(['rename', 'renameat', 'renameat2'], c('renamed', FILE_INFO, ['change'], 'file'))
sys(['unlink', 'unlinkat', 'rmdir'], c('deleted', FILE_INFO, ['deletion'], 'file'))
sys(['mkdir', 'mkdirat'], c('created-directory', FILE_INFO, ['creation'], 'file'))
sys(['mknod', 'mknodat'], c('make-device', FILE_INFO, ['creation'], 'file'))
sys(['link', 'linkat', 'symlink', 'symlinkat'], c('linked', FILE_INFO, ['creation'], 'file'))
sys(['utime', 'utimes', 'futimesat', 'utimensat'], c('changed-timestamp-of', FILE_INFO, ['change'], 'file'))
sys(['mount'], c('mounted', FILE_INFO, ['creation'], 'file'))
sys(['umount', 'umount2'], c('unmounted', FILE_INFO, ['change'], 'filesystem'))
sys(['connect'], c('connected-to', ['network'], ['connection', 'start'], 'socket'))
sys(['accept', 'accept4'], c('accepted-connection-from', ['network'], ['connection', 'start'], 'socket'))
sys(['bind'], c('bound-socket', ['network'], ['start'], 'socket'))
sys(['listen'], c('listen-for-connections', ['network'], ['start'], 'socket'))
sys(['sendto', 'sendmsg', 'sendmmsg'], c('sent-to', ['network'], ['connection', 'info'], 'socket'))
sys(['recvfrom', 'recvmsg', 'recvmmsg'], c('received-from', ['network'], ['connection', 'info'], 'socket'))
sys(['socket'], c('created-socket', ['network'], ['info'], 'socket'))
sys(['kill', 'tkill', 'tgkill', 'pidfd_send_signal'], c('killed-pid', ['process'], ['end'], 'process'))
sys(['setuid', 'setreuid', 'setresuid', 'setfsuid', 'setgid', 'setregid', 'setresgid', 'setfsgid', 'setuid32', 'setreuid32', 'setresuid32', 'setgid32'],
  c('changed-identity-of', ['process'], ['change'], 'process'))
sys(['init_module', 'finit_module'], c('loaded-kernel-module', ['driver'], ['start'], 'file'))
sys(['delete_module'], c('unloaded-kernel-module', ['driver'], ['end'], 'file'))
sys(['ptrace'], c('traced-process', ['process'], ['access'], 'process'))
sys(['clone', 'clone3', 'fork', 'vfork'], c('forked', ['process'], ['start'], 'process'))
sys(['exit', 'exit_group'], c('exited', ['process'], ['end'], 'process'))
sys(['settimeofday', 'clock_settime', 'adjtimex', 'clock_adjtime', 'stime'], c('changed-system-time', ['host'], ['change'], 'system'))
sys(['sethostname', 'setdomainname'], c('set-hostname', ['host'], ['change'], 'system'))
sys(['reboot'], c('rebooted', ['host'], ['end'], 'system'))

const byType = new Map<string, Categorization>([
  ['USER_LOGIN', c('logged-in', ['authentication'], ['start'], 'user-session')],
  ['USER_LOGOUT', c('logged-out', ['authentication'], ['end'], 'user-session')],
  ['USER_AUTH', c('authenticated', ['authentication'], ['info'], 'user-session')],
  ['USER_ACCT', c('was-authorized', ['authentication'], ['info'], 'user-session')],
  ['CRED_ACQ', c('acquired-credentials', ['authentication'], ['info'], 'user-session')],
  ['CRED_DISP', c('disposed-credentials', ['authentication'], ['info'], 'user-session')],
  ['CRED_REFR', c('refreshed-credentials', ['authentication'], ['info'], 'user-session')],
  ['USER_START', c('started-session', ['session'], ['start'], 'user-session')],
  ['USER_END', c('ended-session', ['session'], ['end'], 'user-session')],
  ['USER_ERR', c('error', ['authentication'], ['info'], 'user-session')],
  ['LOGIN', c('changed-login-id-to', ['authentication'], ['start'], 'user-session')],
  ['ADD_USER', c('added-user-account', ['iam'], ['user', 'creation'], 'account')],
  ['DEL_USER', c('deleted-user-account', ['iam'], ['user', 'deletion'], 'account')],
  ['USER_MGMT', c('modified-user-account', ['iam'], ['user', 'change'], 'account')],
  ['USER_CHAUTHTOK', c('changed-password', ['iam'], ['user', 'change'], 'user-session')],
  ['ADD_GROUP', c('added-group-account-to', ['iam'], ['group', 'creation'], 'account')],
  ['DEL_GROUP', c('deleted-group-account-from', ['iam'], ['group', 'deletion'], 'account')],
  ['GRP_MGMT', c('modified-group-account', ['iam'], ['group', 'change'], 'account')],
  ['GRP_CHAUTHTOK', c('changed-group-password', ['iam'], ['group', 'change'], 'account')],
  ['USER_CMD', c('ran-command', ['process'], ['start'], 'process')],
  ['USER_TTY', c('typed', ['process'], ['info'], 'keystrokes')],
  ['TTY', c('typed', ['process'], ['info'], 'keystrokes')],
  ['SERVICE_START', c('started-service', ['process'], ['start'], 'service')],
  ['SERVICE_STOP', c('stopped-service', ['process'], ['end'], 'service')],
  ['SYSTEM_BOOT', c('booted-system', ['host'], ['start'], 'system')],
  ['SYSTEM_SHUTDOWN', c('shutdown-system', ['host'], ['end'], 'system')],
  ['SYSTEM_RUNLEVEL', c('changed-to-runlevel', ['host'], ['change'], 'system')],
  ['CONFIG_CHANGE', c('changed-audit-configuration', ['process', 'configuration'], ['change'], 'audit-config')],
  ['DAEMON_CONFIG', c('changed-audit-daemon-configuration', ['process', 'configuration'], ['change'], 'service')],
  ['DAEMON_START', c('started-audit', ['process'], ['start'], 'service')],
  ['DAEMON_END', c('stopped-audit', ['process'], ['end'], 'service')],
  ['DAEMON_ABORT', c('aborted-auditd-startup', ['process'], ['end'], 'service')],
  ['DAEMON_ROTATE', c('rotated-audit-logs', ['process'], ['change'], 'service')],
  ['USYS_CONFIG', c('changed-configuration', ['configuration'], ['change'], 'system')],
  ['USER_ROLE_CHANGE', c('changed-role-to', ['iam'], ['user', 'change'], 'role')],
  ['ROLE_ASSIGN', c('assigned-user-role-to', ['iam'], ['user', 'change'], 'role')],
  ['ROLE_REMOVE', c('removed-user-role-from', ['iam'], ['user', 'change'], 'role')],
  ['NETFILTER_CFG', c('loaded-firewall-rule-to', ['configuration'], ['change'], 'firewall')],
  ['AVC', c('violated-selinux-policy', ['intrusion_detection'], ['denied'], 'policy')],
  ['USER_AVC', c('access-permission', ['intrusion_detection'], ['info'], 'mac')],
  ['MAC_STATUS', c('changed-selinux-enforcement', ['configuration'], ['change'], 'mac')],
  ['MAC_POLICY_LOAD', c('loaded-selinux-policy', ['configuration'], ['change'], 'mac')],
  ['MAC_CONFIG_CHANGE', c('changed-selinux-boolean', ['configuration'], ['change'], 'mac')],
  ['SECCOMP', c('violated-seccomp-policy', ['process'], ['info'], 'process')],
  ['ANOM_ABEND', c('crashed-program', ['process', 'intrusion_detection'], ['end', 'info'], 'process', 'alert')],
  ['ANOM_PROMISCUOUS', c('changed-promiscuous-mode-on-device', ['network', 'intrusion_detection'], ['change'], 'network-device', 'alert')],
  ['ANOM_LOGIN_FAILURES', c('failed-log-in-too-many-times-to', ['authentication', 'intrusion_detection'], ['info'], 'user-session', 'alert')],
  ['ANOM_LOGIN_SESSIONS', c('opened-too-many-sessions-to', ['authentication', 'intrusion_detection'], ['info'], 'user-session', 'alert')],
  ['ANOM_LINK', c('used-suspicious-link', ['file', 'intrusion_detection'], ['info'], 'file', 'alert')],
  ['KERN_MODULE', c('loaded-kernel-module', ['driver'], ['start'], 'file')],
  ['CRYPTO_KEY_USER', c('negotiated-crypto-key', ['process'], ['info'], 'user-session')],
  ['CRYPTO_SESSION', c('started-crypto-session', ['process'], ['info'], 'user-session')],
  ['TIME_ADJNTPVAL', c('changed-system-time', ['host'], ['change'], 'system')],
  ['TIME_INJOFFSET', c('changed-system-time', ['host'], ['change'], 'system')],
  ['SOFTWARE_UPDATE', c('package-updated', ['package'], ['change'], 'package')],
  ['VIRT_CONTROL', c('issued-vm-control', ['host'], ['info'], 'vm')],
  ['VIRT_MACHINE_ID', c('assigned-vm-id', ['host'], ['info'], 'vm')],
  ['VIRT_RESOURCE', c('assigned-vm-resource', ['host'], ['info'], 'vm')],
])

/** Fallback for a syscall not in the table (go-libaudit: process/info). */
export const OTHER_SYSCALL = c('', ['process'], ['info'])

/** An AppArmor AVC (apparmor= field) is its own action; an SELinux AVC keeps the table's. */
export const APPARMOR_AVC = c('violated-apparmor-policy', ['intrusion_detection'], ['denied'], 'policy')

export function categorizeSyscall (name: string): Categorization {
  return bySyscall.get(name) ?? OTHER_SYSCALL
}

export function categorizeType (type: string): Categorization | undefined {
  return byType.get(type)
}

/** `auditship doctor`: check the node's audit setup; each check ok / warn / fail with the fix. */
import { parseArgs } from 'node:util'
import { DEFAULT_DOCTOR, runChecks } from '../doctor/checks.js'
import { ExitCodes } from '../errors.js'

export const DOCTOR_HELP = `Usage: auditship doctor [--config FILE] [options]

Check this node the way the Teleport auditd guide does by hand: auditd is installed and
running, the audit log is readable, auditing is enabled and not losing records, log_format and end_of_event_timeout, the Teleport
process runs as root with its loginuid unset, whether PAM is enabled in teleport.yaml (and what
that means for attribution), and the auditship config. Exit ${ExitCodes.FAILURE} when a check fails.

Options (paths are options so that the checks can run on copies):
  --config FILE          auditship configuration to validate; its source.path is the audit
                         log checked
  --audit-log PATH       the audit log to check (default: the config's source.path, else
                         ${DEFAULT_DOCTOR.auditLog})
  --auditd-bin PATH      the auditd binary (default ${DEFAULT_DOCTOR.auditdBin.join(' or ')})
  --auditd-conf PATH     default ${DEFAULT_DOCTOR.auditdConf}
  --teleport-yaml PATH   default ${DEFAULT_DOCTOR.teleportYaml}
  --proc DIR             default ${DEFAULT_DOCTOR.proc}
  --no-auditctl          do not run auditctl -s
`

export async function doctor (argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      'audit-log': { type: 'string' },
      'auditd-bin': { type: 'string' },
      'auditd-conf': { type: 'string' },
      'teleport-yaml': { type: 'string' },
      proc: { type: 'string' },
      'no-auditctl': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) { process.stdout.write(DOCTOR_HELP); return ExitCodes.OK }
  const results = await runChecks({
    auditLog: values['audit-log'],
    auditdBin: values['auditd-bin'] === undefined ? DEFAULT_DOCTOR.auditdBin : [values['auditd-bin']],
    auditdConf: values['auditd-conf'] ?? DEFAULT_DOCTOR.auditdConf,
    teleportYaml: values['teleport-yaml'] ?? DEFAULT_DOCTOR.teleportYaml,
    proc: values.proc ?? DEFAULT_DOCTOR.proc,
    auditctl: values['no-auditctl'] ? undefined : DEFAULT_DOCTOR.auditctl,
    config: values.config,
  })
  for (const r of results) {
    process.stdout.write(`${r.status.padEnd(4)}  ${r.name}: ${r.detail}\n`)
    if (r.status !== 'ok' && r.fix !== undefined) process.stdout.write(`      fix: ${r.fix}\n`)
  }
  const failed = results.filter((r) => r.status === 'fail').length
  process.stdout.write(`${results.length} checks: ${results.length - failed - results.filter((r) => r.status === 'warn').length} ok, ${results.filter((r) => r.status === 'warn').length} warn, ${failed} fail\n`)
  return failed > 0 ? ExitCodes.FAILURE : ExitCodes.OK
}

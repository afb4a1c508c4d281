#!/usr/bin/env bash
# The .deb on this machine, as an operator installs it: `npm run package` builds it, `dpkg -i`
# installs it, then the installed command (--version, check-config of the packaged
# configuration, convert as the system user), the user and its groups, the state directory,
# `systemd-analyze verify` of the installed unit (any warning fails), the inactive auditd plugin
# file and plugin mode as auditd runs it (root, the feed on stdin); then `dpkg -r` (conffiles
# stay) and `dpkg -P` (all gone). It leaves the machine as it found it: the package purged on
# every exit, and the system user removed if this check created it. Needs root. Exit 1 with
# the reason.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
fail () { echo "check-deb: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (dpkg -i)"
for tool in dpkg-deb systemd-analyze; do
  command -v "$tool" >/dev/null || fail "$tool not found (apt-get install -y dpkg systemd)"
done
version=$(node -p "require('$repo/package.json').version")
deb="$repo/dist-pkg/auditship_${version}_amd64.deb"
(cd "$repo" && npm run --silent package) || fail "npm run package failed"
[ -f "$deb" ] || fail "npm run package made no $deb"

installed=0
had_user=0; if getent passwd auditship >/dev/null; then had_user=1; fi
work=$(mktemp -d)
cleanup () {
  if [ "$installed" = 1 ]; then dpkg -P auditship >/dev/null 2>&1 || true; fi
  # postrm keeps the system user (Debian policy); a user this check made goes with it
  if [ "$had_user" = 0 ] && getent passwd auditship >/dev/null; then userdel auditship >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
dpkg -i "$deb" || fail "dpkg -i failed"
installed=1
echo "check-deb: installed $(dpkg-query -W -f='${Package} ${Version} ${Status}' auditship)"

errfile=$(mktemp)
got=$(auditship --version 2>"$errfile") || fail "auditship --version failed"
[ "$got" = "auditship $version" ] || fail "auditship --version printed '$got'"
# nothing on stderr: a code cache made under other V8 flags is rejected with a warning
err=$(cat "$errfile"); rm -f "$errfile"
[ -z "$err" ] || fail "auditship --version wrote to stderr: $err"
[ "$(command -v auditship)" = /usr/bin/auditship ] || fail "auditship is not /usr/bin/auditship"
# check-config as the unit's ExecStartPre runs it: as the user auditship. The only warning
# allowed is the audit log missing on a machine where auditd never ran.
(cd / && runuser -u auditship -- auditship check-config --config /etc/auditship/auditship.yaml) >/dev/null 2>"$work/cc.err" \
  || { cat "$work/cc.err" >&2; fail "check-config of the packaged configuration (as auditship) failed"; }
if grep -E '^  [a-z_]' "$work/cc.err" | grep -vqE '^  source\.path: '; then cat "$work/cc.err" >&2; fail "check-config of the packaged configuration (as auditship) warns"; fi
# plugin mode as auditd starts it: as root, its configuration without any warning
auditship check-config --config /etc/auditship/plugin.yaml >/dev/null 2>"$work/cc.err" \
  || { cat "$work/cc.err" >&2; fail "check-config of the packaged plugin configuration failed"; }
[ ! -s "$work/cc.err" ] || { cat "$work/cc.err" >&2; fail "check-config of the packaged plugin configuration (as root) warns"; }

id auditship >/dev/null 2>&1 || fail "no user auditship"
group=$(sed -n 's/^[[:space:]]*log_group[[:space:]]*=[[:space:]]*\([^[:space:]#]*\).*/\1/p' /etc/audit/auditd.conf 2>/dev/null | tail -n 1)
{ [ -n "$group" ] && [ "$group" != root ] && getent group "$group" >/dev/null; } || group=adm
id -nG auditship | tr ' ' '\n' | grep -qx "$group" || fail "user auditship is not in group $group ($(id -nG auditship))"
[ "$(stat -c %U:%a /var/lib/auditship)" = auditship:750 ] || fail "/var/lib/auditship is $(stat -c %U:%a /var/lib/auditship), not auditship:750"
# the single executable runs as the system user, from a directory it cannot write
out=$(cd / && runuser -u auditship -- auditship convert /usr/share/doc/auditship/examples/teleport-sessions.log 2>/dev/null | wc -l) \
  || fail "auditship convert as user auditship failed"
[ "$out" -eq 39 ] || fail "auditship convert as user auditship wrote $out events, not 39"
# plugin mode: auditd's feed on stdin (the example log), run as root until the feed ends
(cd / && timeout 60 auditship run --config /etc/auditship/plugin.yaml </usr/share/doc/auditship/examples/teleport-sessions.log >"$work/plugin.log" 2>&1) \
  || { tail -n 5 "$work/plugin.log" >&2; fail "plugin mode (run --config /etc/auditship/plugin.yaml on stdin) failed"; }
got=$(wc -l </var/log/auditship-plugin/events.ndjson 2>/dev/null || echo 0)
[ "$got" -eq 39 ] || { tail -n 5 "$work/plugin.log" >&2; fail "plugin mode delivered $got events to /var/log/auditship-plugin/events.ndjson, not 39"; }

unit=/lib/systemd/system/auditship.service
# verify exits 0 on a value it ignores: any output is a failure too
verify=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify $unit failed: $verify"
[ -z "$verify" ] || fail "systemd-analyze verify $unit: $verify"
grep -qx 'active = no' /etc/audit/plugins.d/auditship.conf || fail "the auditd plugin file is not inactive"
grep -qx 'path = /usr/bin/auditship' /etc/audit/plugins.d/auditship.conf || fail "the auditd plugin file does not run /usr/bin/auditship"
for f in /etc/auditship/auditship.yaml /etc/auditship/plugin.yaml /etc/audit/plugins.d/auditship.conf; do
  dpkg-query --showformat='${Conffiles}\n' --show auditship | grep -q " $f " || fail "$f is not a conffile"
done

dpkg -r auditship >/dev/null || fail "dpkg -r failed"
[ ! -e /usr/bin/auditship ] && [ ! -e /usr/lib/auditship/auditship ] || fail "dpkg -r left the command"
[ -f /etc/auditship/auditship.yaml ] || fail "dpkg -r removed the conffile (it must stay until purge)"
dpkg -P auditship >/dev/null || fail "dpkg -P failed"
installed=0
for p in /etc/auditship /var/lib/auditship /var/log/auditship /var/lib/auditship-plugin /var/log/auditship-plugin /etc/audit/plugins.d/auditship.conf "$unit"; do
  [ ! -e "$p" ] || fail "dpkg -P left $p"
done
echo "check-deb: $(basename "$deb") installs, runs (--version, check-config and convert as auditship, plugin mode as root), verifies (systemd-analyze) and purges"

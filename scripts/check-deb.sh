#!/usr/bin/env bash
# The .deb on this machine, as an operator installs it: `npm run package` builds it, `dpkg -i`
# installs it, then the installed command (--version, check-config of the packaged
# configuration, convert as the system user), the user and its groups, the state directory,
# `systemd-analyze verify` of the installed unit, the inactive auditd plugin file; then
# `dpkg -r` (conffiles stay) and `dpkg -P` (all gone). Needs root. Exit 1 with the reason.
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
cleanup () { if [ "$installed" = 1 ]; then dpkg -P auditship >/dev/null 2>&1 || true; fi; }
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
auditship check-config --config /etc/auditship/auditship.yaml || fail "check-config of the packaged configuration failed"
auditship check-config --config /etc/auditship/plugin.yaml || fail "check-config of the packaged plugin configuration failed"

id auditship >/dev/null 2>&1 || fail "no user auditship"
group=$(sed -n 's/^[[:space:]]*log_group[[:space:]]*=[[:space:]]*\([^[:space:]#]*\).*/\1/p' /etc/audit/auditd.conf 2>/dev/null | tail -n 1)
{ [ -n "$group" ] && [ "$group" != root ] && getent group "$group" >/dev/null; } || group=adm
id -nG auditship | tr ' ' '\n' | grep -qx "$group" || fail "user auditship is not in group $group ($(id -nG auditship))"
[ "$(stat -c %U:%a /var/lib/auditship)" = auditship:750 ] || fail "/var/lib/auditship is $(stat -c %U:%a /var/lib/auditship), not auditship:750"
# the single executable runs as the system user, from a directory it cannot write
out=$(cd / && runuser -u auditship -- auditship convert /usr/share/doc/auditship/examples/teleport-sessions.log 2>/dev/null | wc -l) \
  || fail "auditship convert as user auditship failed"
[ "$out" -eq 39 ] || fail "auditship convert as user auditship wrote $out events, not 39"

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
for p in /etc/auditship /var/lib/auditship /etc/audit/plugins.d/auditship.conf "$unit"; do
  [ ! -e "$p" ] || fail "dpkg -P left $p"
done
echo "check-deb: $(basename "$deb") installs, runs (--version, check-config, convert as auditship), verifies (systemd-analyze) and purges"

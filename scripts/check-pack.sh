#!/usr/bin/env bash
# The npm package as a user gets it: a fresh clone of the committed HEAD, `npm ci`, the
# README's `npm run start:example`, `npm pack`
# (prepack builds), `npm install -g` of the tarball into a temporary prefix, then the installed
# `auditship --version` and `auditship convert` of the bundled example, and the package's
# contents (scripts/check-package.mjs). Exit 1 with the reason on the first failure.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail () { echo "check-pack: $*" >&2; exit 1; }

head=$(git -C "$repo" rev-parse HEAD)
git clone -q --no-checkout "$repo" "$tmp/clone" || fail "git clone failed"
git -C "$tmp/clone" checkout -q "$head" || fail "checkout of $head failed"
cd "$tmp/clone"
[ ! -e dist ] || fail "a fresh clone has dist/"
npm ci --no-audit --no-fund --prefer-offline --loglevel=error >"$tmp/ci.log" 2>&1 || { cat "$tmp/ci.log" >&2; fail "npm ci failed"; }
# the README's first set-up command, on the fresh clone (builds dist/ when missing)
npm run --silent start:example >"$tmp/example.ndjson" 2>"$tmp/example.err" || { cat "$tmp/example.err" >&2; fail "npm run start:example failed"; }
[ "$(wc -l <"$tmp/example.ndjson")" -eq 39 ] || fail "npm run start:example wrote $(wc -l <"$tmp/example.ndjson") lines, not 39 events"
tgz=$(npm pack --pack-destination "$tmp" --loglevel=error 2>"$tmp/pack.log" | tail -1) || { cat "$tmp/pack.log" >&2; fail "npm pack failed"; }
[ -f "$tmp/$tgz" ] || fail "npm pack made no tarball ($tgz)"
echo "check-pack: packed $tgz ($(du -k "$tmp/$tgz" | cut -f1) kB)"
cd "$tmp"
npm install -g "$tmp/$tgz" --prefix "$tmp/prefix" --no-audit --no-fund --prefer-offline --loglevel=error >"$tmp/install.log" 2>&1 \
  || { cat "$tmp/install.log" >&2; fail "npm install -g failed"; }
bin="$tmp/prefix/bin/auditship"
pkgdir="$tmp/prefix/lib/node_modules/auditship"
[ -x "$bin" ] || fail "npm install -g gave no auditship command"
want="auditship $(node -p "require('$repo/package.json').version")"
got=$("$bin" --version) || fail "auditship --version failed"
[ "$got" = "$want" ] || fail "auditship --version printed '$got', not '$want'"
"$bin" convert "$pkgdir/examples/teleport-sessions.log" >"$tmp/out.ndjson" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "auditship convert failed"; }
events=$(wc -l <"$tmp/out.ndjson")
grep -q 'records=105 events=39 ' "$tmp/err" || { cat "$tmp/err" >&2; fail "auditship convert: unexpected summary"; }
[ "$events" -eq 39 ] || fail "auditship convert wrote $events events, not 39"
node -e "for (const l of require('fs').readFileSync('$tmp/out.ndjson','utf8').trim().split('\n')) JSON.parse(l)" || fail "convert output is not NDJSON"
node "$repo/scripts/check-package.mjs" "$pkgdir" || fail "the installed package is incomplete"
echo "check-pack: npm install -g $tgz → $got; convert examples/teleport-sessions.log → $events events"

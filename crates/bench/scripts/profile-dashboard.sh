#!/usr/bin/env bash
# Profiles the dashboard query on the release server with callgrind (for machines where
# `perf stat -e instructions true` reports "not supported", as on our virtual machines).
# Usage: crates/bench/scripts/profile-dashboard.sh [RELEASE_DIR] [REQUESTS] [SCALE]
# Prints the top functions by inclusive and by exclusive instruction count.
set -euo pipefail
release=${1:-${CARGO_TARGET_DIR:-target}/release}
requests=${2:-200}
scale=${3:-5000}
dir=$(mktemp -d /tmp/coalition-profile-XXXXXX)
port=18$(( RANDOM % 900 + 100 ))
export COALITION_DATABASE__URL="sqlite://$dir/bench.db" COALITION_STORAGE__DIR="$dir/files" \
  COALITION_MAIL__FILE_DIR="$dir/mail" COALITION_MAIL__TOKEN_KEY_FILE="$dir/mail-token.key" \
  COALITION_SERVER__BIND="127.0.0.1:$port" COALITION_LOG__FILTER=warn
"$release/coalition" seed --demo --scale "$scale"
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$dir/callgrind.out" \
  "$release/coalition" serve 2>"$dir/valgrind.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 1; done
url="http://127.0.0.1:$port/graphql"
token=$(curl -s "$url" -H 'content-type: application/json' \
  -d '{"query":"mutation { login(email: \"demo-00002@demo.invalid\", password: \"open-educational-resources\") { token } }"}' |
  sed -E 's/.*"token":"([^"]+)".*/\1/')
dashboard='{"query":"{ workingGroups { name summary members(first: 50) { totalCount edges { node { role since person { displayName organisation country } } } } } }"}'
curl -s -o /dev/null "$url" -H 'content-type: application/json' -H "authorization: Bearer $token" -d "$dashboard"
callgrind_control -i on "$server" >/dev/null 2>&1
for _ in $(seq "$requests"); do
  curl -s -o /dev/null "$url" -H 'content-type: application/json' -H "authorization: Bearer $token" -d "$dashboard"
done
callgrind_control -i off "$server" >/dev/null 2>&1
callgrind_control -d "$server" >/dev/null 2>&1
kill "$server"; wait "$server" 2>/dev/null || true
out=$(ls -S "$dir"/callgrind.out* | head -1)
echo "== inclusive"; callgrind_annotate --inclusive=yes "$out" | head -70 || true
echo "== exclusive"; callgrind_annotate "$out" | head -50 || true
echo "profile: $out"

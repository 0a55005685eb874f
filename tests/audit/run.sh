#!/usr/bin/env bash
# Starts a server on a scratch database and port 0, runs audit.mjs against it, stops it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:?path to the coalition binary}"
scratch="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$scratch"' EXIT
(cd "$here" && npm install --no-audit --no-fund --silent)
COALITION_SERVER__BIND=127.0.0.1:0 \
COALITION_DATABASE__URL="sqlite://$scratch/audit.db" \
COALITION_MAIL__FILE_DIR="$scratch/mail" \
  "$binary" serve 2> "$scratch/server.log" &
server=$!
for _ in $(seq 1 100); do
  address=$(grep -o 'listening on http://[0-9.:]*' "$scratch/server.log" | sed 's/listening on //' || true)
  [ -n "$address" ] && break
  sleep 0.1
done
[ -n "$address" ] || { cat "$scratch/server.log"; exit 1; }
node "$here/audit.mjs" "$address"

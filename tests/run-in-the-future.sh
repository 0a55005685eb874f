#!/usr/bin/env bash
# Runs every test binary of the workspace with the machine's clock moved ahead (default 400
# days) by Debian's `faketime`, to prove that no test depends on today's date. Cargo builds
# first on real time: run under faketime, it would record future build times and later
# builds would take stale artifacts for fresh ones.
set -euo pipefail
cd "$(dirname "$0")/.."
ahead="${1:-+400d}"
command -v faketime >/dev/null || { echo "faketime is not installed (apt-get install faketime)" >&2; exit 2; }
cargo="${CARGO:-cargo}"
"$cargo" build --bin coalition
# Each test binary with its package's folder, where cargo would run it.
targets=$("$cargo" test --workspace --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json, os, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["profile"]["test"] and m.get("executable"):
        print(os.path.dirname(m["manifest_path"]), m["executable"])')
failed=0
while read -r dir binary; do
  echo "== $(basename "$binary") at $(faketime -f "$ahead" date -u +%FT%TZ)"
  (cd "$dir" && FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$ahead" "$binary") || failed=1
done <<< "$targets"
exit "$failed"

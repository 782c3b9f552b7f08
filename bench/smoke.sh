#!/usr/bin/env bash
# Every bench once at a tiny size (`make bench-smoke`, part of `make test`), so a change that breaks
# a bench fails CI instead of rotting unnoticed. Each must exit 0; its figures are printed and
# never judged here (the targets are for the full-size runs, see docs/reliability.md).
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
export PATH="$(dirname "$PY"):$PATH"
failed=()
total_start=$(date +%s%N)
run() {
  local name="$1"; shift
  echo "== bench smoke: $name"
  local start; start=$(date +%s%N)
  if "$@"; then
    echo "-- $name: ok in $(( ($(date +%s%N) - start) / 1000000 )) ms"
  else
    printf -- "-- %s: FAILED (exit %s)\n" "$name" "$?"
    failed+=("$name")
  fi
}
run coldstart "$PY" bench/coldstart.py --smoke
run coldstart-requests "$PY" bench/coldstart.py --requests --smoke
run cost "$PY" bench/cost.py --smoke
run requests "$PY" bench/requests.py --smoke
run pdf "$PY" bench/pdf.py --smoke
run scale "$PY" bench/scale.py --smoke
run load "$PY" bench/load.py --smoke
run web_weight "$PY" bench/web_weight.py --smoke
run fuzz bench/fuzz.sh --smoke
run pades "$PY" -m bench.pades --smoke
run restore_drill "$PY" -m bench.restore_drill --smoke
echo "bench smoke total $(( ($(date +%s%N) - total_start) / 1000000 )) ms"
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench smoke FAILED: ${failed[*]}"
  exit 1
fi

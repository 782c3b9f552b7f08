#!/usr/bin/env bash
# A longer schemathesis run than `make test`'s: the same test (tests/fuzz/test_schemathesis.py)
# against a fresh local stack, with more examples per operation and caller, and new random
# examples on every run (`make test` runs a few, derandomized, within three minutes).
#
#   bench/fuzz.sh                              # 40 examples per operation and caller
#   bench/fuzz.sh 200                          # more
#   FUZZ_ONLY="/api/desk/" bench/fuzz.sh 100   # only operations whose "METHOD /path" has this
#   bench/fuzz.sh --smoke                      # one example of the public lookups (make test)
#
# Prints the figures (operations, calls, answers by class, 5xx, schema failures) and exits
# non-zero on any finding, each listed with a curl line that reproduces it.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--smoke" ]; then
  export FUZZ_ONLY="${FUZZ_ONLY:-GET /api/lookup}"
  set -- 1
fi
export FUZZ_EXAMPLES="${1:-40}"
export FUZZ_RANDOM="${FUZZ_RANDOM:-1}"
# The stack's structured log lines (JSON) go to stdout too: keep only pytest's own output.
.venv/bin/pytest -q -s -p no:cacheprovider -m live tests/fuzz/test_schemathesis.py \
    | grep -v '^{"'
exit "${PIPESTATUS[0]}"

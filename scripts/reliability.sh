#!/usr/bin/env bash
# Runs every reliability suite (tests/reliability, the #[ignore]d heavy ones included) one at a
# time, collects the `RELIABILITY|...` line each prints, and shows them as one table.
# Exits non-zero when a suite failed or printed no line.
#
#   scripts/reliability.sh            # all suites
#   scripts/reliability.sh chaos      # the suites whose test name matches
set -uo pipefail

cd "$(dirname "$0")/.."
export TERRAFORM="${TERRAFORM:-$PWD/.tools/bin/terraform}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

cargo test --test reliability -- --include-ignored --nocapture --test-threads=1 "$@" 2>&1 | tee "$log" >&2
rc=${PIPESTATUS[0]}

lines="$(grep -ao 'RELIABILITY|.*' "$log" || true)"
{
  echo "suite|load held|faults injected|faults survived|inputs tried|objects lost|result"
  [ -n "$lines" ] && sed 's/^RELIABILITY|//' <<<"$lines"
} | column -t -s '|'

failed="$(grep -c '|fail$' <<<"$lines" || true)"
echo
if [ -z "$lines" ]; then
  echo "no suite reported figures (build or harness failure)"; exit 1
fi
if [ "$failed" -gt 0 ] || [ "$rc" -ne 0 ]; then
  echo "reliability: $failed suite(s) failed (cargo test exit $rc)"; exit 1
fi
echo "reliability: every suite met its goals"

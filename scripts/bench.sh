#!/usr/bin/env bash
# `make bench`: one run, one table. Start-up of the provider process (handshake with AutoMTLS),
# then Terraform over N keys (BENCH_KEYS, default 1000) against the emulator, coalescing on/off.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export TERRAFORM=${TERRAFORM:-$root/.tools/bin/terraform} CHECKPOINT_DISABLE=1
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# The binary users get from `make release` (static on Linux: scripts/build-release.sh).
export PROVIDER_BIN=$(scripts/build-release.sh)
cargo run --release -q -p tfplugin --example handshake_bench -- "$PROVIDER_BIN" 200 | tee -a "$out" >&2
cargo test --release --test bench -- --ignored --nocapture --test-threads=1 2>&1 | tee -a "$out" >&2

echo
echo "== benchmark: $(nproc) cores, ${BENCH_KEYS:-1000} keys, 100 ms injected latency unless noted"
grep -E '^start-to-handshake|^process start floor|^peak RSS at handshake' "$out" || true
printf '%-44s %-10s %10s %10s %8s\n' "scenario" "coalesce" "wall (s)" "API calls" "errors"
grep -o 'BENCH|.*$' "$out" | while IFS='|' read -r _ metric mode secs calls errors; do
  printf '%-44s %-10s %10s %10s %8s\n' "$metric" "$mode" "$secs" "$calls" "$errors"
done
echo
echo "coalescing on / off:"
grep -o 'BENCH|.*$' "$out" | awk -F'|' '
  $3 == "on"  { on_s[$2] = $4; on_c[$2] = $5; order[++n] = $2 }
  $3 == "off" { off_s[$2] = $4; off_c[$2] = $5 }
  END {
    for (i = 1; i <= n; i++) {
      m = order[i]
      if (!(m in off_s) || off_s[m] + 0 == 0 || on_c[m] == "-") continue
      printf "  %-42s wall %.2fx   calls %.2fx\n", m, on_s[m] / off_s[m], on_c[m] / off_c[m]
    }
  }'

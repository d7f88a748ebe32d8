#!/usr/bin/env bash
# `make bench`: one run, one table per Terraform version. Start-up of the provider process
# (handshake with AutoMTLS), then Terraform over N keys (BENCH_KEYS, default 1000) against the
# emulator, coalescing on/off, on every Terraform of BENCH_TERRAFORMS (default: 1.15.5 and 1.0.3
# from .tools/bin). Each table gives wall and calls, the distance from Terraform's own floor (the
# same work at 0 ms latency without coalescing), batch sizes, where the time went, and the goals.
# BENCH_REPEAT=N runs the apply/plan/destroy scenarios N times (on and off taking turns) and gives
# medians; `holding_longer` measures what holding batches longer (BENCH_HOLDS) buys and costs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CHECKPOINT_DISABLE=1
versions=${BENCH_TERRAFORMS:-1.15.5 1.0.3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

table() {
  grep -o 'BENCH|.*$' "$1" | awk -F'|' '
    # A scenario run more than once (BENCH_REPEAT) is given by its medians; every run is listed below.
    function median(list,   v, k, i, j, t) {
      k = split(list, v, " ")
      for (i = 2; i <= k; i++) { t = v[i]; for (j = i - 1; j > 0 && v[j] + 0 > t + 0; j--) v[j + 1] = v[j]; v[j + 1] = t }
      return (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
    }
    { metric = $2; mode = $3; key = metric "|" mode
      runs[key]++; secl[key] = secl[key] " " $4; calll[key] = calll[key] " " $5; errl[key] = errl[key] " " $6
      floor[key] = $7
      if (!(metric in seen)) { seen[metric] = 1; order[++n] = metric } }
    function ratio(a, b) { return (b + 0 == 0) ? "-" : sprintf("%.2fx", a / b) }
    function goal(text, value, limit,   ok) {
      if (value == "") return
      ok = (value + 0 <= limit) ? "met" : "NOT MET"
      printf "  %-58s %8.2f  (<= %s) %s\n", text, value, limit, ok
    }
    END {
      for (key in runs) {
        secs[key] = median(secl[key])
        calls[key] = (calll[key] ~ /-/) ? "-" : median(calll[key])
        errs[key] = (errl[key] ~ /-/) ? "-" : median(errl[key])
      }
      printf "%-38s %-6s %9s %9s %7s %9s %5s\n", "scenario", "mode", "wall (s)", "API calls", "errors", "x floor", "runs"
      for (i = 1; i <= n; i++) for (m = 0; m < 2; m++) {
        mode = m ? "off" : "on"; key = order[i] "|" mode
        if (!(key in secs)) continue
        f = floor[key] "|off"
        x = (floor[key] != "-" && (f in secs)) ? ratio(secs[key], secs[f]) : "-"
        printf "%-38s %-6s %9s %9s %7s %9s %5s\n", order[i], mode, secs[key], calls[key], errs[key], x, runs[key]
      }
      repeated = 0
      for (i = 1; i <= n; i++) for (m = 0; m < 2; m++) {
        key = order[i] "|" (m ? "off" : "on")
        if (runs[key] < 2) continue
        if (!repeated++) { print ""; print "every run of a repeated scenario (wall s / calls), in the order run:" }
        printf "  %-36s %-4s %s  /%s\n", order[i], (m ? "off" : "on"), secl[key], calll[key]
      }
      print ""
      print "coalescing on / off:"
      for (i = 1; i <= n; i++) {
        on = order[i] "|on"; off = order[i] "|off"
        if (!(on in secs) || !(off in secs) || calls[on] == "-") continue
        printf "  %-36s wall %s   calls %s\n", order[i], ratio(secs[on], secs[off]), ratio(calls[on], calls[off])
      }
      held = 0
      for (i = 1; i <= n; i++) {
        if (order[i] !~ /, held up to /) continue
        base = order[i]; sub(/, held up to .*/, "", base)
        on = order[i] "|on"; off = base "|off"; def = base "|on"
        if (!held++) { print ""; print "holding longer (the trade-off; against the same scenario with coalescing off, and on at the default 10%):" }
        printf "  %-36s wall %s of off, %s of 10%%   calls %s\n", order[i], ratio(secs[on], secs[off]), ratio(secs[on], secs[def]), calls[on]
      }
      print ""
      print "goals:"
      for (i = 1; i <= n; i++) {
        m = order[i]; on = m "|on"; off = m "|off"
        if (m ~ /^terraform query/) { goal(m ": API calls", calls[on], 55); continue }
        if (m ~ /^query: peak RSS/) { goal(m, secs[on], 20); continue }
        if (!(on in secs) || !(off in secs) || calls[on] == "-") continue
        if (m == "no-change plan") { goal(m ": wall on / off", secs[on] / secs[off], 0.3); goal(m ": calls on", calls[on], 10); continue }
        if (m ~ /calls\/min/) { goal(m ": wall on / off", secs[on] / secs[off], 0.1); goal(m ": errors on", errs[on], 0); continue }
        goal(m ": wall on / off", secs[on] / secs[off], 1.05)
        if (m == "apply") goal(m ": calls on", calls[on], 110)
        if (m == "destroy") goal(m ": calls on", calls[on], 115)
        if (m == "apply" || m == "destroy") {
          f = floor[on] "|off"
          if (f in secs) { goal(m ": on / Terraform floor", secs[on] / secs[f], 1.2); goal(m ": off / Terraform floor", secs[off] / secs[f], 1.2) }
        }
      }
    }'
  echo
  echo "batch sizes (items x calls):"
  grep -o 'BATCHES|.*$' "$1" | awk -F'|' '{ printf "  %-30s %-4s %s\n", $2, $3, $4 }'
  echo
  echo "CPU per command (the machine has 2 cores):"
  grep -o 'CPU|.*$' "$1" | awk -F'|' '{ line = $0; sub(/^CPU[|][^|]*[|][^|]*[|]/, "", line); printf "  %-30s %-4s %s\n", $2, $3, line }'
  echo
  echo "where the time goes (Terraform -json hooks):"
  grep -o 'TIMELINE|.*$' "$1" | awk -F'|' '{ line = $0; sub(/^TIMELINE[|][^|]*[|][^|]*[|]/, "", line); printf "  %-22s %-4s %s\n", $2, $3, line }'
}

# BENCH_TABLE=FILE: only print the table of one saved run.
if [[ -n ${BENCH_TABLE:-} ]]; then table "$BENCH_TABLE"; exit; fi

# The binary users get from `make release` (static on Linux: scripts/build-release.sh).
export PROVIDER_BIN=$(scripts/build-release.sh)
cargo run --release -q -p tfplugin --example handshake_bench -- "$PROVIDER_BIN" 200 | tee "$out/startup" >&2
cargo test --release --test bench --no-run >&2
for v in $versions; do
  tf=$root/.tools/bin/terraform-$v
  [[ -x $tf ]] || { echo "no $tf: run make tools" >&2; exit 1; }
  echo "== Terraform $v" >&2
  TERRAFORM=$tf cargo test --release --test bench -- --ignored --nocapture --test-threads=1 2>&1 |
    tee "$out/tf-$v" >&2
done

echo
echo "== benchmark: $(nproc) cores, ${BENCH_KEYS:-1000} keys, ${BENCH_LATENCY_MS:-100} ms injected latency unless noted"
grep -E '^start-to-handshake|^process start floor|^peak RSS at handshake' "$out/startup" || true
for v in $versions; do
  echo
  echo "== Terraform $v"
  table "$out/tf-$v"
done

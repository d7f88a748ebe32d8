#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for FUZZ_SECONDS each (default 60) and prints one
# line per target: runs, crashes, and where the crashing input was saved.
#
# Only stable Rust is needed: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly-only flags
# (-Zsanitizer=address, sancov). Installs cargo-fuzz from crates.io when it is missing.
# Before fuzzing, the seeds and saved regressions run through the same checks as unit tests
# (`cargo test --manifest-path fuzz/Cargo.toml`); a crash found here goes to fuzz/regressions/.
#
#   FUZZ_SECONDS=10 scripts/fuzz.sh                 # all targets, 10 s each
#   FUZZ_SECONDS=300 scripts/fuzz.sh msgpack_value  # one target
set -uo pipefail

cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
export RUSTC_BOOTSTRAP=1
FUZZ_DIR=fuzz
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  mapfile -t TARGETS < <(sed -n 's/^name = "\(.*\)"$/\1/p' "$FUZZ_DIR/Cargo.toml" | grep -v '^visionone-fuzz$')
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz from crates.io..." >&2
  cargo install --locked cargo-fuzz >&2 || { echo "cargo-fuzz could not be installed" >&2; exit 1; }
fi

echo "== unit checks over seeds and regressions" >&2
# A failing regression is an open crash: reported at the end, fuzzing still runs.
unit="passed"
if ! cargo test --quiet --manifest-path "$FUZZ_DIR/Cargo.toml" --lib >&2; then
  unit="FAILED (a saved crash input still fails: see fuzz/regressions and fuzz/src/tests.rs)"
fi

echo "== building fuzz targets" >&2
cargo fuzz build --fuzz-dir "$FUZZ_DIR" >&2 || { echo "cargo fuzz build failed" >&2; exit 1; }

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
total_crashes=0
rows=()
for t in "${TARGETS[@]}"; do
  corpus="$FUZZ_DIR/corpus/$t"
  artifacts="$FUZZ_DIR/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  cp -n "$FUZZ_DIR/seeds/$t/"* "$corpus/" 2>/dev/null || true
  before="$(ls "$artifacts" | wc -l)"
  echo "== fuzzing $t for ${SECONDS_PER_TARGET}s" >&2
  cargo fuzz run --fuzz-dir "$FUZZ_DIR" "$t" "$corpus" -- \
    -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
    >"$logs/$t.log" 2>&1
  rc=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log" | tail -1)"
  [ -n "$runs" ] || runs="$(grep -o '^#[0-9]*' "$logs/$t.log" | tail -1 | tr -d '#')"
  after="$(ls "$artifacts" | wc -l)"
  crashes=$((after - before))
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1 # a failure that saved no input (build error, sanitizer abort): still a failure
  fi
  newest="$(ls -t "$artifacts" | head -1)"
  note="-"
  if [ "$crashes" -gt 0 ]; then
    note="${newest:+$artifacts/$newest}"
    grep -m3 -E 'panicked at|ERROR: AddressSanitizer|SUMMARY' "$logs/$t.log" >&2 || tail -20 "$logs/$t.log" >&2
  fi
  total_crashes=$((total_crashes + crashes))
  rows+=("$(printf '%-18s %8ss %12s %8s  %s' "$t" "$SECONDS_PER_TARGET" "${runs:-0}" "$crashes" "$note")")
done

printf '%-18s %9s %12s %8s  %s\n' target time runs crashes input
for r in "${rows[@]}"; do echo "$r"; done
echo "total crashes: $total_crashes"
echo "unit checks over seeds and regressions: $unit"
[ "$total_crashes" -eq 0 ] && [ "$unit" = "passed" ]

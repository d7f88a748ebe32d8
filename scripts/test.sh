#!/usr/bin/env bash
# `make test`: every test of the workspace once, with the Terraform test beds (tests/e2e,
# tests/reliability and tfplugin's tests/terraform.rs) on Terraform 1.15.5, then those test beds
# again on Terraform 1.0.3, the oldest version supported. Each test bed prints one line per
# version (`e2e on Terraform 1.0.3: 30 passed, 0 failed, 1 skipped (...)`); they are repeated at
# the end with each run's wall time. Then the fuzz regressions. Exits non-zero when anything
# failed on either version.
set -uo pipefail
cd "$(dirname "$0")/.."
tools="$PWD/.tools/bin"
export CHECKPOINT_DISABLE=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
summary=()

# run LABEL VERSION CARGO-ARGS...: cargo test with TERRAFORM and TFPLUGIN_TERRAFORM at VERSION.
run() {
  local label=$1 version=$2 start=$SECONDS
  shift 2
  TERRAFORM="$tools/terraform-$version" TFPLUGIN_TERRAFORM="$tools/terraform-$version" \
    "${CARGO:-cargo}" test --no-fail-fast "$@" 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  while IFS= read -r line; do summary+=("$line"); done < <(grep -aE '^[a-z0-9_-]+ on Terraform [0-9.]+: ' "$log")
  summary+=("$label on Terraform $version: $((SECONDS - start)) s wall")
}

run "workspace (unit, contract, client; test beds)" 1.15.5 --workspace
run "test beds" 1.0.3 --test e2e --test reliability
# tests/terraform.rs drives the `echo` example provider, which `--test` alone does not build.
"${CARGO:-cargo}" build --quiet -p tfplugin --examples || status=1
run "tfplugin terraform test" 1.0.3 -p tfplugin --test terraform

# Trend's own SDKs (pytmv1, deep-security-api) as clients of the emulator (tests/sdk, pytest).
scripts/sdk-tests.sh || status=1

# Lints: formatting and clippy with warnings as errors, over every target.
"${CARGO:-cargo}" fmt --all --check || status=1
"${CARGO:-cargo}" clippy --quiet --workspace --all-targets -- -D warnings || status=1

# Every input fuzzing ever crashed on (fuzz/regressions) and the seeds, as plain tests on stable.
"${CARGO:-cargo}" test --manifest-path fuzz/Cargo.toml --target-dir "$PWD/target" --lib || status=1

echo
printf '%s\n' "${summary[@]}"
exit "$status"

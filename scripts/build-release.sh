#!/usr/bin/env bash
# Builds release binaries and prints their paths, one a line, in the order asked.
#   scripts/build-release.sh [BIN...]   default: terraform-provider-visionone
# BIN is a binary of the workspace: terraform-provider-visionone or visionone-emulator. All are
# built by one cargo call, so shared dependencies compile once with one feature set.
#
# On Linux with glibc the binaries are static, non-PIE executables, as Go providers are: they run
# on any x86_64 Linux whatever glibc the host has, and the provider starts about a millisecond
# sooner than the default build, with no loader or relocation work (Terraform starts a provider
# process per phase of every command; see `make bench`). Host names are then looked up in
# /etc/hosts and DNS only (src/main.rs says why).
#   PROFILE=name  cargo profile (default release)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
profile=${PROFILE:-release}
bins=("$@")
[[ ${#bins[@]} -gt 0 ]] || bins=(terraform-provider-visionone)
args=()
for b in "${bins[@]}"; do
  case $b in
    terraform-provider-visionone) args+=(-p terraform-provider-visionone --bin "$b") ;;
    visionone-emulator) args+=(-p visionone-emulator --bin "$b") ;;
    *) echo "build-release: unknown binary '$b'" >&2; exit 1 ;;
  esac
done
triple=$(rustc -vV | awk '/^host:/{print $2}')
dir=$profile; [[ $profile == dev ]] && dir=debug
if [[ $triple == *-linux-gnu ]]; then
  # --target keeps these flags off build scripts and proc-macros, which must stay dynamic.
  RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
    cargo build --profile "$profile" --target "$triple" "${args[@]}" >&2
  out="${CARGO_TARGET_DIR:-$root/target}/$triple/$dir"
else
  cargo build --profile "$profile" "${args[@]}" >&2
  out="${CARGO_TARGET_DIR:-$root/target}/$dir"
fi
exe=""; [[ $triple == *windows* ]] && exe=".exe"
for b in "${bins[@]}"; do echo "$out/$b$exe"; done

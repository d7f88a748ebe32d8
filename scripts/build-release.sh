#!/usr/bin/env bash
# Builds the release binary and prints its path. On Linux with glibc it is a static, non-PIE
# executable, as Go providers are: it runs on any x86_64 Linux whatever glibc the host has, and
# it starts about a millisecond sooner than the default build, with no loader or relocation work
# (Terraform starts a provider process per phase of every command; see `make bench`). Host names
# are then looked up in /etc/hosts and DNS only (src/main.rs says why).
#   PROFILE=name  cargo profile (default release)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
profile=${PROFILE:-release}
name=terraform-provider-visionone
triple=$(rustc -vV | awk '/^host:/{print $2}')
dir=$profile; [[ $profile == dev ]] && dir=debug
if [[ $triple == *-linux-gnu ]]; then
  # --target keeps these flags off build scripts and proc-macros, which must stay dynamic.
  RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
    cargo build --profile "$profile" --target "$triple" --bin "$name" >&2
  echo "${CARGO_TARGET_DIR:-$root/target}/$triple/$dir/$name"
else
  cargo build --profile "$profile" --bin "$name" >&2
  echo "${CARGO_TARGET_DIR:-$root/target}/$dir/$name"
fi

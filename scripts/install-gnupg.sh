#!/usr/bin/env bash
# Makes sure `gpg` is on PATH: `make release` signs SHA256SUMS with it and tests/registry.rs makes
# a throwaway key with it. A fresh Debian or Ubuntu CI machine may lack it: then Debian's
# `gnupg` is installed with apt-get (as root, or through sudo). Prints the path of gpg.
set -euo pipefail
if ! command -v gpg >/dev/null 2>&1; then
  sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  command -v apt-get >/dev/null 2>&1 || { echo "install-gnupg: no gpg and no apt-get: install GnuPG 2 yourself" >&2; exit 1; }
  echo "install-gnupg: installing Debian's gnupg" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends gnupg >&2
fi
command -v gpg

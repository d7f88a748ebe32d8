#!/usr/bin/env bash
# `make release`: the files the Terraform registry (and a filesystem_mirror) expect, in dist/,
# named as the registry requires (X.Y.Z is the workspace version, OS_ARCH e.g. linux_amd64):
#
#   terraform-provider-visionone_vX.Y.Z                    the provider binary
#   terraform-provider-visionone_X.Y.Z_OS_ARCH.zip         that binary, zipped (the registry's package)
#   terraform-provider-visionone_X.Y.Z_manifest.json       terraform-registry-manifest.json (protocol 6.0)
#   visionone-emulator_X.Y.Z_OS_ARCH.zip                   the emulator (`visionone-emulator`), for users' CI
#   terraform-provider-visionone_X.Y.Z_SHA256SUMS          sha256 of every zip and the manifest (goreleaser's layout)
#   terraform-provider-visionone_X.Y.Z_SHA256SUMS.sig      detached binary GPG signature of SHA256SUMS
#   terraform-provider-visionone_X.Y.Z_signing-key.asc     the signing public key, ASCII-armored (for the registry)
#
# Signing: GPG_FINGERPRINT names the secret key (the variable goreleaser uses; GPG_PASSPHRASE if the
# key has one, GNUPGHOME as usual). Without it the release is unsigned, and says so: the registry
# refuses an unsigned release. gpg is installed when missing (scripts/install-gnupg.sh).
#
# Overrides (tests/release.rs and tests/registry.rs package the debug binaries quickly):
#   BINARY=path           package this provider binary instead of building one (scripts/build-release.sh)
#   EMULATOR_BINARY=path  package this emulator binary instead of building one
#   DIST=dir              write here instead of dist/
#   PROFILE=name          cargo profile to build (default release)
#   ZIP_LEVEL=n           deflate level 1 (fast) to 9 (small); default 9
#   GOOS, GOARCH          the platform in the zip names (default linux, amd64)
#   SUMS_ONLY=1           build and zip nothing: write the manifest, SHA256SUMS and signature over the
#                         zips already in DIST (the last step of .github/workflows/release.yml)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

name=terraform-provider-visionone
emulator=visionone-emulator
# The version is the workspace's ([workspace.package] version in Cargo.toml).
version=${VERSION:-$(awk -F'"' '/^\[workspace\.package\]/{w=1; next} /^\[/{w=0} w && /^version *=/{print $2; exit}' Cargo.toml)}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+].*)?$ ]] || { echo "release: cannot read a version from Cargo.toml (got '$version')" >&2; exit 1; }
os=${GOOS:-linux}
arch=${GOARCH:-amd64}
dist=${DIST:-$root/dist}
profile=${PROFILE:-release}
level=${ZIP_LEVEL:-9}
[[ $level =~ ^[1-9]$ ]] || { echo "release: ZIP_LEVEL must be 1 to 9" >&2; exit 1; }
exe=""; [[ $os == windows ]] && exe=".exe"

base="${name}_${version}"
manifest="${base}_manifest.json"
sums="${base}_SHA256SUMS"
sig="${sums}.sig"
pubkey="${base}_signing-key.asc"
mkdir -p "$dist"

# zip_one DIR FILE OUT: OUT holds FILE alone, at its root, with its mode (executable).
zip_one() {
  rm -f "$1/$3"
  if command -v zip >/dev/null 2>&1; then
    (cd "$1" && zip -q -X "-$level" "$3" "$2")
  else
    python3 - "$1" "$2" "$3" "$level" <<'PY'
import os, sys, zipfile
dist, binary, out, level = sys.argv[1:5]
with zipfile.ZipFile(os.path.join(dist, out), "w", zipfile.ZIP_DEFLATED, compresslevel=int(level)) as z:
    z.write(os.path.join(dist, binary), binary)  # keeps the file mode (executable)
PY
  fi
}

if [[ ${SUMS_ONLY:-0} != 1 ]]; then
  if [[ -z ${BINARY:-} || -z ${EMULATOR_BINARY:-} ]]; then
    built=()
    while IFS= read -r line; do built+=("$line"); done < <(PROFILE=$profile scripts/build-release.sh "$name" "$emulator")
    BINARY=${BINARY:-${built[0]}}
    EMULATOR_BINARY=${EMULATOR_BINARY:-${built[1]}}
  fi
  [[ -x $BINARY ]] || { echo "release: no provider executable at $BINARY" >&2; exit 1; }
  [[ -x $EMULATOR_BINARY ]] || { echo "release: no emulator executable at $EMULATOR_BINARY" >&2; exit 1; }

  bin="${name}_v${version}${exe}"
  cp "$BINARY" "$dist/$bin"
  chmod 0755 "$dist/$bin"
  zip_one "$dist" "$bin" "${base}_${os}_${arch}.zip"

  # The emulator's zip holds `visionone-emulator`, so that CI can unzip and run it by that name.
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  cp "$EMULATOR_BINARY" "$stage/$emulator$exe"
  chmod 0755 "$stage/$emulator$exe"
  zip_one "$stage" "$emulator$exe" "${emulator}_${version}_${os}_${arch}.zip"
  mv "$stage/${emulator}_${version}_${os}_${arch}.zip" "$dist/"
fi

cp terraform-registry-manifest.json "$dist/$manifest"

# SHA256SUMS: every zip of this version in dist/ (all platforms when SUMS_ONLY gathers them) and
# the manifest, sorted by name as goreleaser writes them.
sha256() { if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }
shopt -s nullglob
listed=()
for f in "$dist/${base}"_*.zip "$dist/${emulator}_${version}"_*.zip "$dist/$manifest"; do listed+=("$(basename "$f")"); done
shopt -u nullglob
IFS=$'\n' listed=($(printf '%s\n' "${listed[@]}" | LC_ALL=C sort)); unset IFS
[[ ${#listed[@]} -gt 1 ]] || { echo "release: no zips for $version in $dist" >&2; exit 1; }
(cd "$dist" && sha256 "${listed[@]}" >"$sums")

rm -f "$dist/$sig" "$dist/$pubkey"
if [[ -n ${GPG_FINGERPRINT:-} ]]; then
  gpg=$(scripts/install-gnupg.sh)
  fpr=${GPG_FINGERPRINT//[[:space:]]/}
  "$gpg" --batch --list-secret-keys "$fpr" >/dev/null 2>&1 ||
    { echo "release: GPG_FINGERPRINT=$fpr names no secret key in ${GNUPGHOME:-~/.gnupg}" >&2; exit 1; }
  pass=()
  [[ -n ${GPG_PASSPHRASE:-} ]] && pass=(--pinentry-mode loopback --passphrase-fd 0)
  # Binary (not armored) detached signature: what the registry serves as shasums_signature_url.
  "$gpg" --batch --yes ${pass[@]+"${pass[@]}"} --local-user "$fpr" --output "$dist/$sig" --detach-sign "$dist/$sums" \
    <<<"${GPG_PASSPHRASE:-}"
  "$gpg" --batch --yes --armor --output "$dist/$pubkey" --export "$fpr"
  "$gpg" --batch --verify "$dist/$sig" "$dist/$sums" 2>/dev/null ||
    { echo "release: the signature just made does not verify" >&2; exit 1; }
  signed="signed by $fpr"
else
  signed="UNSIGNED"
  echo "release: GPG_FINGERPRINT is not set: the release is UNSIGNED (no $sig); the registry refuses unsigned releases" >&2
fi

echo "release $version ($os/$arch, $signed) in $dist:"
(cd "$dist" && for f in "${name}_v${version}${exe}" "${base}"_* "${emulator}_${version}"_*; do
  if [[ -e $f ]]; then printf '  %s\t%s\n' "$(wc -c <"$f" | tr -d ' ')" "$f"; fi
done)

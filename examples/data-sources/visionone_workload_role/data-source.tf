# A Workload Security role by its exact name: its id, and whether API keys may hold it.
data "visionone_workload_role" "auditor" {
  name = "Auditor"
}

output "auditor_role_id" {
  value = data.visionone_workload_role.auditor.id
}

output "auditor_allows_api_keys" {
  value = data.visionone_workload_role.auditor.allow_api_keys
}

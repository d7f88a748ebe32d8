# expect: name
resource "visionone_workload_api_key" "k" {
  role = "Auditor"
}

# expect: valid_for_days
resource "visionone_workload_api_key" "k" {
  name           = "ci"
  role           = "Auditor"
  valid_for_days = 1.5
}

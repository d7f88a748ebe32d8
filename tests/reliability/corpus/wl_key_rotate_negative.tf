# expect: rotate_before_days
resource "visionone_workload_api_key" "k" {
  name               = "ci"
  role               = "Auditor"
  valid_for_days     = 30
  rotate_before_days = -1
}

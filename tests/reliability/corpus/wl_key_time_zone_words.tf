# expect: time_zone
resource "visionone_workload_api_key" "k" {
  name      = "ci"
  role      = "Auditor"
  time_zone = "Berlin time"
}

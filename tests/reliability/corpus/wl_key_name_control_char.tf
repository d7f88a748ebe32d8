# expect: name
resource "visionone_workload_api_key" "k" {
  name = "ci\u0007bell"
  role = "Auditor"
}

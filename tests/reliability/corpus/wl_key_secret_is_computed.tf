# expect: secret
resource "visionone_workload_api_key" "k" {
  name   = "ci"
  role   = "Auditor"
  secret = "mine"
}

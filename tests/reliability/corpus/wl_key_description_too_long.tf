# expect: description
resource "visionone_workload_api_key" "k" {
  name        = "ci"
  role        = "Auditor"
  description = join("", [for i in range(2001) : "d"])
}

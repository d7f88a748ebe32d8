# expect: name
resource "visionone_workload_api_key" "k" {
  name = join("", [for i in range(256) : "n"])
  role = "Auditor"
}

# expect: rotation_triggers
resource "visionone_api_key" "k" {
  name = "ci"
  role = "SIEM"
  rotation_triggers = ["a", "b"]
}

# expect: enabled
resource "visionone_api_key" "k" {
  name = "ci"
  role = "SIEM"
  enabled = "maybe"
}

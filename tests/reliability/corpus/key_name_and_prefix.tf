# expect: name_prefix
resource "visionone_api_key" "k" {
  name = "ci"
  name_prefix = "ci-"
  role = "SIEM"
}

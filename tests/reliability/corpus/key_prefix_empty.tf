# expect: name_prefix
resource "visionone_api_key" "k" {
  name_prefix = ""
  role = "SIEM"
}

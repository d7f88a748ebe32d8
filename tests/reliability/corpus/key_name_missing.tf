# expect: name
resource "visionone_api_key" "k" {
  role = "SIEM"
}

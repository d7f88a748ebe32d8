# expect: name
resource "visionone_api_key" "k" {
  name = "ci\u0007bell"
  role = "SIEM"
}

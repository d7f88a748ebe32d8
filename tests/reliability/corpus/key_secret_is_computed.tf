# expect: secret
resource "visionone_api_key" "k" {
  name = "ci"
  role = "SIEM"
  secret = "chosen-by-me"
}

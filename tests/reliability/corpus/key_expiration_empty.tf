# expect: expiration
resource "visionone_api_key" "k" {
  name = "ci"
  role = "SIEM"
  expiration = ""
}

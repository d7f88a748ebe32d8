# expect: name
resource "visionone_api_key" "k" {
  name = "   "
  role = "SIEM"
}

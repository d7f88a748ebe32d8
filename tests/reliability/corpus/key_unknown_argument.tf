# expect: colour
resource "visionone_api_key" "k" {
  name = "ci"
  role = "SIEM"
  colour = "red"
}

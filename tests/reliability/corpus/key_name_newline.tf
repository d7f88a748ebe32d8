# expect: name
resource "visionone_api_key" "k" {
  name = "ci\nnext"
  role = "SIEM"
}

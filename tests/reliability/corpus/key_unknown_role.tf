# expect: role
resource "visionone_api_key" "k" {
  name = "ci"
  role = "Chief Key Officer"
}

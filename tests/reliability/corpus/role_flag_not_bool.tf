# expect: allow_api_key_assignment
resource "visionone_custom_role" "r" {
  name = "ops"
  allow_api_key_assignment = "yes please"
}

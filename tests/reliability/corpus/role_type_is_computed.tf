# expect: type
resource "visionone_custom_role" "r" {
  name = "ops"
  type = "predefined"
}

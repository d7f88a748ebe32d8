# expect: name
resource "visionone_custom_role" "r" {
  description = "no name"
}

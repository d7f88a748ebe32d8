# expect: auth_type
resource "visionone_user_account" "u" {
  email = "group@example.com"
  auth_type = "samlGroup"
  role = "Auditor"
}

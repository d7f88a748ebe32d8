# expect: email
resource "visionone_user_account" "u" {
  email = "jane@localhost"
  auth_type = "local"
  role = "Auditor"
}

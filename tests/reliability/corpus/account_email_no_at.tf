# expect: email
resource "visionone_user_account" "u" {
  email = "not-an-email"
  auth_type = "local"
  role = "Auditor"
}

# expect: email
resource "visionone_user_account" "u" {
  email = "jane doe@example.com"
  auth_type = "local"
  role = "Auditor"
}

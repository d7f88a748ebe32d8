# expect: email
resource "visionone_user_account" "u" {
  email = "ja\u0000ne@example.com"
  auth_type = "local"
  role = "Auditor"
}

# expect: email
resource "visionone_user_account" "u" {
  auth_type = "local"
  role = "Auditor"
}

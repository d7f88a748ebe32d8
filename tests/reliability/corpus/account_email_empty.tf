# expect: email
resource "visionone_user_account" "u" {
  email = ""
  auth_type = "local"
  role = "Auditor"
}

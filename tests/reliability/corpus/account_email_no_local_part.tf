# expect: email
resource "visionone_user_account" "u" {
  email = "@example.com"
  auth_type = "local"
  role = "Auditor"
}

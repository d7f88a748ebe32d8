# expect: enabled
resource "visionone_user_account" "u" {
  email = "jane@example.com"
  auth_type = "local"
  role = "Auditor"
  enabled = false
}

# expect: auth_type
resource "visionone_user_account" "u" {
  email = "jane@example.com"
  auth_type = "SAML"
  role = "Auditor"
}

# expect: role
resource "visionone_user_account" "u" {
  email = "jane@example.com"
  auth_type = "local"
  role = visionone_custom_role.robots_only.name
}
resource "visionone_custom_role" "robots_only" {
  name                          = "robots-only"
  permission_keys               = ["workbench.view"]
  allow_api_key_assignment      = true
  allow_user_account_assignment = false
}

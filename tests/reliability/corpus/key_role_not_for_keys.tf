# expect: role
resource "visionone_api_key" "k" {
  name = "ci"
  role = visionone_custom_role.people_only.name
}
resource "visionone_custom_role" "people_only" {
  name                          = "people-only"
  permission_keys               = ["workbench.view"]
  allow_api_key_assignment      = false
  allow_user_account_assignment = true
}

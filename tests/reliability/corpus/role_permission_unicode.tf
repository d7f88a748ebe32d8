# expect: permission_keys
resource "visionone_custom_role" "r" {
  name = "ops"
  permission_keys = ["workbench.vïew"]
}

data "visionone_permission_keys" "all" {}

# Every read-only permission, to build a custom role from.
locals {
  view_keys = [for k in data.visionone_permission_keys.all.keys : k if length(regexall("\\.view$", k)) > 0]
}

output "view_permissions" {
  value = local.view_keys
}

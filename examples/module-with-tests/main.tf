resource "visionone_custom_role" "this" {
  name                     = "integration-${var.integration}"
  description              = "Held by the API key of the ${var.integration} integration"
  permission_keys          = var.permission_keys
  allow_api_key_assignment = true
}

# The new key (a new unique name from name_prefix) exists before the old one is deleted.
resource "visionone_api_key" "this" {
  name_prefix        = "${var.integration}-"
  description        = "Used by the ${var.integration} integration; rotated by terraform apply"
  role               = visionone_custom_role.this.name
  expiration         = var.expiration
  rotate_before_days = var.rotate_before_days

  lifecycle {
    create_before_destroy = true
  }
}

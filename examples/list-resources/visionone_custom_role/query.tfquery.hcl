# Custom roles made in the console, to bring under Terraform.
list "visionone_custom_role" "ops" {
  provider = visionone
  config {
    type        = "custom"
    name_prefix = "ops-"
  }
}

# Quick start: a custom role, a person invited with it, and an API key that rotates itself.
#
# The provider reads VISIONONE_API_KEY and VISIONONE_REGIONAL_FQDN (or region) from the
# environment; `make demo` points them at the local emulator.

terraform {
  required_providers {
    visionone = { source = "visionone-iam/visionone" }
  }
}

provider "visionone" {}

# The permissions a read-only automation may hold; see the visionone_permission_keys data source.
data "visionone_permission_keys" "all" {}

resource "visionone_custom_role" "automation" {
  name                          = "quickstart-automation"
  description                   = "Reads IAM objects; may be given to API keys and people"
  permission_keys               = ["iam.apiKeys.view", "iam.roles.view", "iam.accounts.view"]
  allow_api_key_assignment      = true
  allow_user_account_assignment = true
}

resource "visionone_user_account" "reviewer" {
  email       = "reviewer@example.com"
  auth_type   = "local"
  role        = visionone_custom_role.automation.name
  description = "Invited by the quick start"
}

# A key that expires after 3 months and is replaced 14 days before that, new key first.
resource "visionone_api_key" "ci" {
  name_prefix        = "quickstart-ci-"
  role               = visionone_custom_role.automation.name
  description        = "Used by the CI pipeline"
  expiration         = "3_months"
  rotate_before_days = 14

  lifecycle {
    create_before_destroy = true
  }
}

output "ci_key_id" {
  value = visionone_api_key.ci.id
}

output "ci_key_expires_at" {
  value = visionone_api_key.ci.expires_at
}

output "ci_key_secret" {
  value     = visionone_api_key.ci.secret
  sensitive = true
}

output "permission_count" {
  value = length(data.visionone_permission_keys.all.keys)
}

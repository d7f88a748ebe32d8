# The third-party auditor set-up from Trend Micro's documentation, done the Vision One v3.0 way.
#
# The legacy console gave an outside auditor a "third-party auditor" account with an "APIs only" access
# level and a per-account token. The v3.0 API has neither: the auditor gets an ordinary user account
# with a read-only role, and programs get an API key of their own.
#
# The provider reads VISIONONE_API_KEY and VISIONONE_REGIONAL_FQDN (or region) from the environment.

terraform {
  required_providers {
    visionone = { source = "visionone-iam/visionone" }
  }
}

provider "visionone" {}

variable "auditor_email" {
  description = "The auditor's email address: Vision One sends the invitation there."
  type        = string
  default     = "auditor@audit-firm.example.com"
}

# Read-only permissions, given to people only (API keys may not hold this role).
resource "visionone_custom_role" "auditor" {
  name        = "Third-party auditor"
  description = "Read-only access for the external audit firm"
  permission_keys = [
    "iam.apiKeys.view",
    "iam.roles.view",
    "iam.accounts.view",
    "auditLogs.view",
    "workbench.view",
    "riskInsights.view",
  ]
  allow_api_key_assignment      = false
  allow_user_account_assignment = true
}

# The auditor's own sign-in: invited by email; the account id changes when the invitation is
# accepted, and the provider follows it.
resource "visionone_user_account" "auditor" {
  email       = var.auditor_email
  auth_type   = "local"
  role        = visionone_custom_role.auditor.name
  description = "External auditor (audit firm), read-only"
}

# Programmatic access for the auditor's tooling, with the predefined read-only Auditor role.
# It expires after 3 months and is replaced 14 days before that.
resource "visionone_api_key" "auditor_tooling" {
  name               = "third-party-auditor-tooling"
  description        = "Read-only key for the audit firm's scripts"
  role               = "Auditor"
  expiration         = "3_months"
  rotate_before_days = 14
}

output "auditor_account_status" {
  description = "\"invited\" until the auditor accepts the invitation, then \"enabled\"."
  value       = visionone_user_account.auditor.status
}

output "auditor_api_key_id" {
  value = visionone_api_key.auditor_tooling.id
}

output "auditor_api_key_secret" {
  description = "Hand this to the auditor over a secure channel: Vision One shows it only once."
  value       = visionone_api_key.auditor_tooling.secret
  sensitive   = true
}

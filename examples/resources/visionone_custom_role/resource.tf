# A read-only role for auditors: people may hold it, API keys may not.
resource "visionone_custom_role" "auditors" {
  name        = "Read-only auditors"
  description = "View IAM settings and audit logs"
  permission_keys = [
    "iam.apiKeys.view",
    "iam.roles.view",
    "iam.accounts.view",
    "auditLogs.view",
  ]
  allow_user_account_assignment = true
}

# An automation role that may be given to API keys but not to people.
resource "visionone_custom_role" "automation" {
  name                     = "Pipeline automation"
  permission_keys          = ["workbench.view", "workbench.modify", "search.view"]
  allow_api_key_assignment = true
}

# A local user invited by email with a predefined role.
resource "visionone_user_account" "analyst" {
  email       = "jane.doe@example.com"
  auth_type   = "local"
  role        = "Analyst"
  description = "SOC analyst, night shift"
}

# A person who signs in through the company's identity provider.
resource "visionone_user_account" "sso_auditor" {
  email     = "auditor@example.com"
  auth_type = "saml"
  role      = "Auditor"
}

# A SAML group: everyone in the IdP group gets the role.
resource "visionone_user_account" "soc_team" {
  email     = "soc-team@idp.example.com"
  auth_type = "saml_group"
  role      = "Senior Analyst"
}

# A key for a SIEM connector that lives three months and is rotated by the plan two weeks
# before it expires. The secret is in state (sensitive) and can be passed on to a secret store.
resource "visionone_api_key" "siem" {
  name               = "siem-connector"
  description        = "Forwards alerts to the SIEM"
  role               = "SIEM"
  expiration         = "3_months"
  rotate_before_days = 14
}

# A key that never expires but is rotated every 90 days anyway, with a generated unique name so
# that the new key exists before the old one is deleted.
resource "visionone_api_key" "automation" {
  name_prefix  = "automation-"
  role         = "Auditor"
  max_age_days = 90

  lifecycle {
    create_before_destroy = true
  }
}

output "siem_key_secret" {
  value     = visionone_api_key.siem.secret
  sensitive = true
}

# The CI rotation pattern: a pipeline runs `terraform apply` on a schedule and the key renews
# itself before it expires, with no gap in service.
#
# - rotate_before_days: from 14 days before expiry the plan replaces the key (-/+).
# - create_before_destroy + name_prefix: the new key (with a new unique name) is created and
#   handed to its consumers before the old key is deleted.
# - A consumer whose forcing argument references the key's id is replaced with it. Here the
#   consumer is a second key whose rotation_triggers track the first key's id (Terraform 1.0
#   has no terraform_data or replace_triggered_by; with Terraform >= 1.2 use
#   `lifecycle { replace_triggered_by = [visionone_api_key.ci.id] }` on any resource).
#
# The provider reads VISIONONE_API_KEY and VISIONONE_REGIONAL_FQDN (or region) from the environment.

terraform {
  required_providers {
    visionone = { source = "visionone-iam/visionone" }
  }
}

provider "visionone" {}

resource "visionone_api_key" "ci" {
  name_prefix        = "ci-pipeline-"
  description        = "Used by the deployment pipeline; rotated by terraform apply"
  role               = "SIEM"
  expiration         = "3_months"
  rotate_before_days = 14

  lifecycle {
    create_before_destroy = true
  }
}

# Stands in for whatever consumes the key (a secret store entry, a connector): it is replaced
# whenever the key is, because its forcing argument holds the key's id.
resource "visionone_api_key" "downstream" {
  name_prefix = "ci-downstream-"
  description = "Rotates together with the pipeline key"
  role        = "Auditor"
  rotation_triggers = {
    upstream = visionone_api_key.ci.id
  }

  lifecycle {
    create_before_destroy = true
  }
}

output "ci_key_id" {
  value = visionone_api_key.ci.id
}

output "ci_key_secret" {
  value     = visionone_api_key.ci.secret
  sensitive = true
}

# True in a `terraform plan -refresh-only` once the key is inside its rotation window.
output "ci_key_ready_for_rotation" {
  value = visionone_api_key.ci.ready_for_rotation
}

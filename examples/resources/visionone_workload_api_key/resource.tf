# A Server & Workload Protection key for a deployment pipeline: 90 days, rotated by the plan two
# weeks before it expires, the new key made before the old one is deleted. The provider's
# `workload` block (or VISIONONE_WORKLOAD_URL and VISIONONE_WORKLOAD_API_KEY) says where the API is.
resource "visionone_workload_api_key" "deployer" {
  name               = "ci-deployer"
  description        = "Deploys agents from the pipeline"
  role               = "Full Access"
  time_zone          = "UTC"
  valid_for_days     = 90
  rotate_before_days = 14

  lifecycle {
    create_before_destroy = true
  }
}

# A read-only key that never expires but is replaced every 180 days.
resource "visionone_workload_api_key" "audit" {
  name         = "audit-export"
  role         = "Auditor"
  max_age_days = 180
}

output "deployer_secret" {
  value     = visionone_workload_api_key.deployer.secret
  sensitive = true
}

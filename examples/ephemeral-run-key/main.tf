# A fresh Vision One API key for every Terraform run, e.g. for a connection that must not hold a
# long-lived credential. The admin credential comes from VISIONONE_API_KEY as usual; the run key
# lives only while Terraform runs and is deleted when it is done.
terraform {
  required_version = ">= 1.10"
  required_providers {
    visionone = { source = "visionone-iam/visionone" }
  }
}

provider "visionone" {}

ephemeral "visionone_api_key" "run" {
  role        = "Auditor"
  name_prefix = "ci-run-"
  description = "used by one pipeline run"
  expiration  = "1_month" # the shortest the API allows; the key is deleted long before
}

# Everything this provider does authenticates with the run key.
provider "visionone" {
  alias   = "run"
  api_key = ephemeral.visionone_api_key.run.secret
}

data "visionone_role" "siem" {
  provider = visionone.run
  name     = "SIEM"
}

output "siem_allows_api_keys" {
  value = data.visionone_role.siem.allow_api_key_assignment
}

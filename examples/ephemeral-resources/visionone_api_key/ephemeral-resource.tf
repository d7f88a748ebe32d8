# A key for this run only: created when Terraform opens it, deleted when Terraform closes it.
ephemeral "visionone_api_key" "run" {
  role        = "Auditor"
  description = "read-only key for one Terraform run"
}

# It configures a second, aliased provider for the run; its secret reaches neither state nor
# the plan file.
provider "visionone" {
  alias   = "run"
  api_key = ephemeral.visionone_api_key.run.secret
}

data "visionone_role" "through_run_key" {
  provider = visionone.run
  name     = "Auditor"
}

# Keys a pipeline made, to adopt: `terraform query -generate-config-out=keys.tf`.
list "visionone_api_key" "ci" {
  provider = visionone
  config {
    name_prefix = "ci-"
    status      = "enabled"
  }
}

# Keys that expire within a month, with their whole objects (role, expiry) in the output.
list "visionone_api_key" "expiring" {
  provider         = visionone
  include_resource = true
  config {
    expiring_within_days = 30
  }
}

# Keys an `ephemeral "visionone_api_key"` made and a killed run left behind.
list "visionone_api_key" "leftovers" {
  provider = visionone
  config {
    ephemeral_only = true
  }
}

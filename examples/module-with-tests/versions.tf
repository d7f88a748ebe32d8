# A reusable module: one integration's custom role and the API key it uses, rotated by the plan
# before it expires. It has no provider block: the caller (or `terraform test`) configures the
# provider. tests/*.tftest.hcl run it against the Vision One emulator (see README.md).

terraform {
  required_version = ">= 1.7"

  required_providers {
    visionone = {
      source  = "visionone-iam/visionone"
      version = ">= 0.1.0"
    }
  }
}

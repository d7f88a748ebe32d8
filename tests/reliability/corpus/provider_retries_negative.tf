# expect: max_retries
provider "visionone" {
  max_retries = -1
}
data "visionone_permission_keys" "all" {}

# expect: max_retries
provider "visionone" {
  max_retries = 21
}
data "visionone_permission_keys" "all" {}

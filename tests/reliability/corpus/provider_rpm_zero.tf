# expect: max_requests_per_minute
provider "visionone" {
  max_requests_per_minute = 0
}
data "visionone_permission_keys" "all" {}

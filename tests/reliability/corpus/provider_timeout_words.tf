# expect: request_timeout
provider "visionone" {
  request_timeout = "soon"
}
data "visionone_permission_keys" "all" {}

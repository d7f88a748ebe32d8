# expect: api_key
provider "visionone" {
  api_key = ""
}
data "visionone_permission_keys" "all" {}

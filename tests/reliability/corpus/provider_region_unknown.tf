# expect: region
provider "visionone" {
  region = "mars"
}
data "visionone_permission_keys" "all" {}

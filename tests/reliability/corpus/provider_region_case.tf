# expect: region
provider "visionone" {
  region = "EU"
}
data "visionone_permission_keys" "all" {}

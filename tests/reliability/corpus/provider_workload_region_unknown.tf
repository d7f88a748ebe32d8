# expect: region
provider "visionone" {
  workload {
    region  = "mars-1"
    api_key = "k"
  }
}
data "visionone_permission_keys" "all" {}

# expect: password
provider "visionone" {
  workload {
    url      = "https://dsm.example.com:4119/api"
    username = "admin"
  }
}
data "visionone_permission_keys" "all" {}

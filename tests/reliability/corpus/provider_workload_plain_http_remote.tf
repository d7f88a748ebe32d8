# expect: url
provider "visionone" {
  workload {
    url     = "http://dsm.example.com:4119/api"
    api_key = "k"
  }
}
data "visionone_permission_keys" "all" {}

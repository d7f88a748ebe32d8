# expect: region
provider "visionone" {
  workload {
    url     = "https://dsm.example.com:4119/api"
    region  = "us-1"
    api_key = "k"
  }
}
data "visionone_permission_keys" "all" {}

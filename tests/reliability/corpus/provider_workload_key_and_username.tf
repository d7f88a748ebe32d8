# expect: username
provider "visionone" {
  workload {
    url      = "https://dsm.example.com:4119/api"
    api_key  = "k"
    username = "admin"
    password = "pw"
  }
}
data "visionone_permission_keys" "all" {}

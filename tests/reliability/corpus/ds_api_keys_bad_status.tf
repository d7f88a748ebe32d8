# expect: status
data "visionone_api_keys" "k" {
  status = "expired"
}

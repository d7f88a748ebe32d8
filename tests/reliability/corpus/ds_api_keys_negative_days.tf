# expect: expiring_within_days
data "visionone_api_keys" "k" {
  expiring_within_days = -3
}

# expect: max_age_days
resource "visionone_api_key" "k" {
  name = "ci"
  role = "SIEM"
  max_age_days = "a month"
}

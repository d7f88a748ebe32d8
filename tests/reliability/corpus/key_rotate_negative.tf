# expect: rotate_before_days
resource "visionone_api_key" "k" {
  name = "ci"
  role = "SIEM"
  expiration = "3_months"
  rotate_before_days = -1
}

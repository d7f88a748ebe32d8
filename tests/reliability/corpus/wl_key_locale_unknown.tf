# expect: locale
resource "visionone_workload_api_key" "k" {
  name   = "ci"
  role   = "Auditor"
  locale = "fr-FR"
}

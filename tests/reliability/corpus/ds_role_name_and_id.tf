# expect: id
data "visionone_role" "r" {
  name = "Auditor"
  id   = "00000000-0000-4000-8000-000000000003"
}

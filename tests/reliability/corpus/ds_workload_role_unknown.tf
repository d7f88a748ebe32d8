# expect: name
data "visionone_workload_role" "r" {
  name = "Full Acess"
}

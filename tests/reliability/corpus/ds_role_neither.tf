# expect: name
data "visionone_role" "r" {
}

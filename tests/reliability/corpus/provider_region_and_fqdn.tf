# expect: regional_fqdn
provider "visionone" {
  region = "eu"
  regional_fqdn = "https://api.eu.xdr.trendmicro.com"
}
data "visionone_permission_keys" "all" {}

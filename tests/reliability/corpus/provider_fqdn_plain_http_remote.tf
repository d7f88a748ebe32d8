# expect: regional_fqdn
provider "visionone" {
  regional_fqdn = "http://api.xdr.trendmicro.com"
}
data "visionone_permission_keys" "all" {}

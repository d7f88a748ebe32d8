# Invitations nobody has accepted yet.
list "visionone_user_account" "pending" {
  provider = visionone
  config {
    status = "invited"
  }
}

# SAML users with a given role, at most 50 of them.
list "visionone_user_account" "auditors" {
  provider = visionone
  limit    = 50
  config {
    auth_type = "saml"
    role      = "Auditor"
  }
}

# A user account can be imported by its id...
terraform import visionone_user_account.analyst 0b7c3d52-0000-4000-8000-000000000001

# ...or by its email address (the auth type is read from Vision One).
terraform import visionone_user_account.sso_auditor auditor@example.com

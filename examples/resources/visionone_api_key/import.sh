# An API key is imported by its id (the visionone_api_keys data source lists them).
# Its secret cannot be recovered: after importing, replace the key to get a secret in state:
#   terraform apply -replace=visionone_api_key.siem
terraform import visionone_api_key.siem 0f3c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b

# A Workload Security key is imported by its id, or by its name when exactly one key has it (an
# ambiguous name is refused with the candidates' ids). Its secret cannot be recovered: after
# importing, replace the key to get a secret in state:
#   terraform apply -replace=visionone_workload_api_key.deployer
terraform import visionone_workload_api_key.deployer 42
terraform import visionone_workload_api_key.deployer ci-deployer

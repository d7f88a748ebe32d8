# A custom role can be imported by its id...
terraform import visionone_custom_role.auditors 3f2a9c4e-0000-4000-8000-000000000001

# ...or by its exact name.
terraform import visionone_custom_role.automation "Pipeline automation"

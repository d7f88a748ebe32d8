output "role_name" {
  description = "The custom role the key holds."
  value       = visionone_custom_role.this.name
}

output "key_id" {
  description = "The current key's id: it changes when the key is rotated."
  value       = visionone_api_key.this.id
}

output "key_name" {
  value = visionone_api_key.this.name
}

output "key_secret" {
  description = "The current key's secret, for the integration's secret store."
  value       = visionone_api_key.this.secret
  sensitive   = true
}

output "created_at" {
  value = visionone_api_key.this.created_at
}

output "expires_at" {
  value = visionone_api_key.this.expires_at
}

output "rotation_starts_at" {
  description = "From this instant (by the API server's clock) the plan replaces the key."
  value       = visionone_api_key.this.expires_at == null ? null : timeadd(visionone_api_key.this.expires_at, "-${var.rotate_before_days * 24}h")
}

output "ready_for_rotation" {
  value = visionone_api_key.this.ready_for_rotation
}

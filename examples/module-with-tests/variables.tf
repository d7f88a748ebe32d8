variable "integration" {
  description = "The integration's short name: 3 to 40 lowercase letters, digits and dashes. Names the role and prefixes the key."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.integration))
    error_message = "The integration name must be 3 to 40 lowercase letters, digits and dashes, starting with a letter and not ending with a dash."
  }
}

variable "permission_keys" {
  description = "What the integration may do (see the visionone_permission_keys data source)."
  type        = set(string)
  default     = ["workbench.view", "search.view"]
}

variable "expiration" {
  description = "How long each key lives (the visionone_api_key expiration values)."
  type        = string
  default     = "3_months"
}

variable "rotate_before_days" {
  description = "From this many days before a key expires, the plan replaces it with a new one."
  type        = number
  default     = 14

  validation {
    condition     = var.rotate_before_days >= 1
    error_message = "rotate_before_days must be at least 1."
  }
}

# Runs against the Vision One emulator: the provider reads VISIONONE_REGIONAL_FQDN and
# VISIONONE_API_KEY from the environment (docs/guides/testing-modules.md). Every object the
# runs create is destroyed when the file ends.

variables {
  integration = "siem-export"
}

run "plan_names_the_role_and_the_key" {
  command = plan

  assert {
    condition     = visionone_custom_role.this.name == "integration-siem-export"
    error_message = "The role is named after the integration."
  }

  assert {
    condition     = visionone_api_key.this.role == "integration-siem-export" && visionone_api_key.this.name_prefix == "siem-export-"
    error_message = "The key holds the integration's role and its name starts with the integration's name."
  }
}

run "apply_creates_a_key_outside_its_rotation_window" {
  assert {
    condition     = output.role_name == "integration-siem-export" && startswith(output.key_name, "siem-export-")
    error_message = "The role and key exist with the integration's names."
  }

  assert {
    condition     = output.key_secret != null && output.key_secret != ""
    error_message = "The new key's secret is in state."
  }

  assert {
    condition     = timecmp(output.expires_at, timeadd(output.created_at, "2112h")) > 0
    error_message = "A 3_months key lives longer than 88 days."
  }

  assert {
    condition     = output.rotation_starts_at == timeadd(output.expires_at, "-336h")
    error_message = "The rotation window opens 14 days before the key expires."
  }

  assert {
    condition     = timecmp(output.rotation_starts_at, output.created_at) > 0 && output.ready_for_rotation == false
    error_message = "A new key is not yet in its rotation window."
  }
}

# A 95-day window over a 3-month key covers today: the plan replaces the key, new key first
# (the provider warns that such a key would rotate on every apply).
run "a_window_that_covers_today_rotates_the_key" {
  variables {
    rotate_before_days = 95
  }

  assert {
    condition     = output.key_id != run.apply_creates_a_key_outside_its_rotation_window.key_id
    error_message = "The key was rotated: it has a new id."
  }

  assert {
    condition     = output.key_name != run.apply_creates_a_key_outside_its_rotation_window.key_name && startswith(output.key_name, "siem-export-")
    error_message = "The new key has a new name with the same prefix."
  }

  assert {
    condition     = output.role_name == run.apply_creates_a_key_outside_its_rotation_window.role_name
    error_message = "The role stays."
  }

  assert {
    condition     = output.ready_for_rotation == true
    error_message = "A key created inside its window is due at once."
  }
}

# Back to a 14-day window: the key created inside the wide window is still due, so it is
# replaced once more; the new one is outside its window.
run "back_to_a_14_day_window" {
  assert {
    condition     = output.key_id != run.a_window_that_covers_today_rotates_the_key.key_id
    error_message = "The key that was due was replaced."
  }

  assert {
    condition     = output.ready_for_rotation == false && timecmp(output.rotation_starts_at, output.created_at) > 0
    error_message = "The new key is outside its rotation window."
  }
}

# Outside its window a key stays: the plan keeps its id.
run "a_key_outside_its_window_stays" {
  command = plan

  assert {
    condition     = visionone_api_key.this.id == run.back_to_a_14_day_window.key_id
    error_message = "The plan does not replace a key outside its rotation window."
  }
}

run "a_bad_integration_name_is_refused" {
  command = plan

  variables {
    integration = "SIEM Export!"
  }

  expect_failures = [var.integration]
}

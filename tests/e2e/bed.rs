//! The test bed's own rules: how a scenario's `needs_terraform` is compared with the Terraform
//! under test, and that the version asked of it is the one `TERRAFORM` names.

use crate::harness::*;

#[test]
fn versions_compare_by_number_not_text() {
    assert!(version_at_least("1.15.5", "1.10"));
    assert!(version_at_least("1.10.0", "1.10"));
    assert!(version_at_least("1.10", "1.10.0"));
    assert!(!version_at_least("1.0.3", "1.10"));
    assert!(!version_at_least("1.9.8", "1.10"));
    assert!(!version_at_least("1.14.0-rc1", "1.14.1"));
    assert!(version_at_least("2.0.0", "1.99"));
}

#[test]
fn the_terraform_under_test_reports_its_version() {
    let v = terraform_version();
    assert!(
        v.split('.').count() == 3 && v.split('.').all(|p| p.parse::<u32>().is_ok()),
        "{v:?}"
    );
    assert!(
        terraform_at_least("1.0"),
        "Terraform {v} is older than the oldest supported, 1.0"
    );
}

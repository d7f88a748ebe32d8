//! The provider block through real Terraform: schema, a clean plan, and bad settings
//! diagnosed with the attribute named.

use crate::harness::*;

#[test]
fn schema_is_served_to_terraform() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config("");
    let o = tf.ok(&["providers", "schema", "-json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let p = &v["provider_schemas"]["registry.terraform.io/visionone-iam/visionone"];
    let attrs = &p["provider"]["block"]["attributes"];
    assert_eq!(attrs["api_key"]["sensitive"], true, "{attrs}");
    assert_eq!(attrs["region"]["optional"], true);
    assert_eq!(attrs["region"]["description_kind"], "markdown");
    for a in [
        "regional_fqdn",
        "request_timeout",
        "max_retries",
        "max_requests_per_minute",
    ] {
        assert!(attrs[a].is_object(), "missing {a}");
    }
}

#[test]
fn provider_block_alone_plans_cleanly() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config("");
    let p = tf.planned();
    p.assert_no_changes();
    assert!(p.addresses().is_empty(), "{:?}", p.addresses());
}

fn bad_provider(block: &str, expect_attr: &str, expect_text: &str) {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.write(
        "main.tf",
        &format!(
            "terraform {{\n  required_providers {{\n    visionone = {{ source = \"visionone-iam/visionone\" }}\n  }}\n}}\n\
             provider \"visionone\" {{\n{block}\n}}\ndata \"visionone_permission_keys\" \"all\" {{}}\n"
        ),
    );
    let o = tf.plan();
    assert_eq!(o.code, 1, "expected failure:\n{}", o.all());
    let all = o.all();
    assert!(all.contains(expect_text), "expected {expect_text:?} in:\n{all}");
    assert!(
        all.contains(expect_attr),
        "expected attribute {expect_attr:?} named in:\n{all}"
    );
}

#[test]
fn unknown_region_is_rejected() {
    bad_provider("region = \"mars\"", "region", "Unknown region");
}

#[test]
fn region_and_url_conflict() {
    bad_provider(
        "region = \"eu\"\nregional_fqdn = \"https://api.eu.xdr.trendmicro.com\"",
        "regional_fqdn",
        "Conflicting",
    );
}

#[test]
fn plain_http_to_remote_host_is_rejected() {
    bad_provider(
        "regional_fqdn = \"http://api.example.com\"",
        "regional_fqdn",
        "loopback",
    );
}

#[test]
fn bad_timeout_is_rejected() {
    bad_provider("request_timeout = \"soon\"", "request_timeout", "not a duration");
}

#[test]
fn missing_key_is_reported_on_api_key() {
    let emu = Emulator::start();
    let mut tf = Tf::new(&emu);
    tf.env.retain(|(k, _)| k != "VISIONONE_API_KEY");
    tf.config("data \"visionone_permission_keys\" \"all\" {}");
    let o = tf.run(&["plan", "-input=false", "-no-color"]);
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.all().contains("No Vision One API key"), "{}", o.all());
}

//! The permission catalogue and the predefined roles built from it.
//!
//! Vision One's real permission keys are not published; these are plausible opaque keys. What
//! matters to the emulator is that roles are sets of them and that the IAM endpoints check the
//! `iam.*` ones.

/// Every permission key with its description, in catalogue order.
pub const CATALOGUE: &[(&str, &str)] = &[
    ("iam.apiKeys.view", "View API keys"),
    ("iam.apiKeys.manage", "Create, edit and delete API keys"),
    ("iam.roles.view", "View user roles and the permission catalogue"),
    ("iam.roles.manage", "Create, edit and delete custom user roles"),
    ("iam.accounts.view", "View user accounts"),
    ("iam.accounts.manage", "Invite, edit and delete user accounts"),
    ("workbench.view", "View Workbench alerts and incidents"),
    ("workbench.modify", "Change alert status, assign owners and add notes"),
    ("search.view", "Run searches across activity data"),
    ("oat.view", "View Observed Attack Techniques events"),
    ("endpoint.view", "View the endpoint inventory"),
    ("endpoint.isolate", "Isolate endpoints and restore their connection"),
    ("endpoint.manage", "Install, uninstall and configure endpoint agents"),
    ("response.view", "View response task status and results"),
    ("response.fileCollect", "Collect files from endpoints"),
    ("response.processTerminate", "Terminate processes on endpoints"),
    (
        "response.blocklist",
        "Add objects to and remove them from the block list",
    ),
    (
        "threatIntel.view",
        "View threat intelligence reports and suspicious objects",
    ),
    ("threatIntel.manage", "Manage suspicious objects and intelligence feeds"),
    ("sandbox.view", "View sandbox analysis results"),
    ("sandbox.submit", "Submit files and URLs to the sandbox"),
    ("auditLogs.view", "View audit logs"),
    ("datalake.pipeline", "Manage data pipelines to third-party SIEM systems"),
    ("riskInsights.view", "View attack surface risk insights"),
];

/// Whether `key` is in the catalogue.
pub fn is_known(key: &str) -> bool {
    CATALOGUE.iter().any(|(k, _)| *k == key)
}

/// A predefined role as the emulator seeds it.
pub struct Predefined {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub allow_api_key_assignment: bool,
    pub allow_user_account_assignment: bool,
    pub permissions: Vec<String>,
}

fn all() -> Vec<String> {
    CATALOGUE.iter().map(|(k, _)| k.to_string()).collect()
}

fn only(keys: &[&str]) -> Vec<String> {
    CATALOGUE
        .iter()
        .filter(|(k, _)| keys.contains(k))
        .map(|(k, _)| k.to_string())
        .collect()
}

fn where_key(pred: impl Fn(&str) -> bool) -> Vec<String> {
    CATALOGUE
        .iter()
        .filter(|(k, _)| pred(k))
        .map(|(k, _)| k.to_string())
        .collect()
}

/// The eight predefined roles [doc]. Master Administrator may not be given to API keys (since 2025-10-27).
pub fn predefined() -> Vec<Predefined> {
    let role = |id, name, description, keys: bool, permissions| Predefined {
        id,
        name,
        description,
        allow_api_key_assignment: keys,
        allow_user_account_assignment: true,
        permissions,
    };
    vec![
        role(
            "00000000-0000-4000-8000-000000000001",
            "Master Administrator",
            "Full access to every app and setting",
            false,
            all(),
        ),
        role(
            "00000000-0000-4000-8000-000000000002",
            "Operator",
            "Operates every app; can view but not change identity and access settings",
            true,
            where_key(|k| !(k.starts_with("iam.") && k.ends_with(".manage"))),
        ),
        role(
            "00000000-0000-4000-8000-000000000003",
            "Auditor",
            "Read-only access to everything",
            true,
            where_key(|k| k.ends_with(".view")),
        ),
        role(
            "00000000-0000-4000-8000-000000000004",
            "Senior Analyst",
            "Investigates and responds to threats",
            true,
            where_key(|k| !k.starts_with("iam.") && k != "endpoint.manage" && k != "datalake.pipeline"),
        ),
        role(
            "00000000-0000-4000-8000-000000000005",
            "Analyst",
            "Investigates threats without response actions",
            true,
            only(&[
                "workbench.view",
                "workbench.modify",
                "search.view",
                "oat.view",
                "endpoint.view",
                "response.view",
                "threatIntel.view",
                "sandbox.view",
                "riskInsights.view",
            ]),
        ),
        role(
            "00000000-0000-4000-8000-000000000006",
            "Endpoint Administrator",
            "Manages endpoint agents and endpoint response",
            true,
            only(&[
                "endpoint.view",
                "endpoint.isolate",
                "endpoint.manage",
                "response.view",
                "response.fileCollect",
                "response.processTerminate",
                "search.view",
            ]),
        ),
        role(
            "00000000-0000-4000-8000-000000000007",
            "SIEM",
            "For SIEM integrations that pull alerts and logs",
            true,
            only(&[
                "workbench.view",
                "oat.view",
                "search.view",
                "auditLogs.view",
                "datalake.pipeline",
            ]),
        ),
        role(
            "00000000-0000-4000-8000-000000000008",
            "SOAR",
            "For SOAR integrations that triage alerts and take response actions",
            true,
            only(&[
                "workbench.view",
                "workbench.modify",
                "search.view",
                "oat.view",
                "endpoint.view",
                "endpoint.isolate",
                "response.view",
                "response.fileCollect",
                "response.processTerminate",
                "response.blocklist",
                "threatIntel.view",
                "sandbox.view",
                "sandbox.submit",
            ]),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predefined_roles_match_the_shared_list() {
        let names: Vec<_> = predefined().iter().map(|r| r.name).collect();
        assert_eq!(names, visionone_api::PREDEFINED_ROLES);
        for r in predefined() {
            assert!(r.permissions.iter().all(|p| is_known(p)), "{}", r.name);
        }
    }

    #[test]
    fn auditor_only_views() {
        let auditor = predefined().into_iter().find(|r| r.name == "Auditor").unwrap();
        assert!(auditor.permissions.iter().all(|p| p.ends_with(".view")));
        assert!(auditor.permissions.contains(&"iam.apiKeys.view".to_string()));
        assert!(!auditor.permissions.contains(&"iam.apiKeys.manage".to_string()));
    }
}

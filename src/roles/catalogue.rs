//! The permission catalogue's "did you mean" for keys that are not in it (the catalogue itself
//! is fetched once per provider process by [`Roles::permission_catalogue`](super::Roles)).

use super::closest;
use visionone_client::api::PermissionKey;

/// One line per unknown key, with its suggestions: "`iam.apiKeys.veiw`: did you mean `iam.apiKeys.view`?".
pub fn describe_unknown(unknown: &[String], catalogue: &[PermissionKey]) -> String {
    unknown
        .iter()
        .map(|k| {
            let near = closest(k, catalogue.iter().map(|p| p.key.as_str()), 3);
            if near.is_empty() {
                format!("- {k:?}: not in the catalogue")
            } else {
                let quoted: Vec<String> = near.iter().map(|s| format!("{s:?}")).collect();
                format!("- {k:?}: did you mean {}?", quoted.join(" or "))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_names_each_key() {
        let cat = vec![PermissionKey {
            key: "iam.roles.view".into(),
            description: None,
        }];
        let d = describe_unknown(&["iam.roles.veiw".into(), "zzz".into()], &cat);
        assert!(
            d.contains("\"iam.roles.veiw\": did you mean \"iam.roles.view\"?"),
            "{d}"
        );
        assert!(d.contains("\"zzz\": not in the catalogue"), "{d}");
    }
}

//! The permission catalogue, fetched once per provider process and shared by every role that
//! plans at the same time, and "did you mean" suggestions for keys that are not in it.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use tokio::sync::OnceCell;
use visionone_client::api::PermissionKey;
use visionone_client::{CancellationToken, Client, Error};

type Catalogue = Arc<Vec<PermissionKey>>;

/// One cell per API base URL: a provider process serves one provider configuration, so in
/// practice this holds one entry; keying by URL keeps tests against several emulators apart.
static CACHE: LazyLock<Mutex<HashMap<String, Arc<OnceCell<Catalogue>>>>> = LazyLock::new(Default::default);

/// The catalogue, from the cache or (once, however many callers wait) from the API. A failed
/// fetch is not cached: the next caller tries again.
pub async fn permission_catalogue(client: &Client, cancel: &CancellationToken) -> Result<Catalogue, Error> {
    let cell = {
        let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
        cache.entry(client.base_url().to_string()).or_default().clone()
    };
    cell.get_or_try_init(|| async { client.list_permission_keys(cancel).await.map(Arc::new) })
        .await
        .cloned()
}

/// Up to `n` candidates closest to `wanted` (case-insensitive edit distance), best first; only
/// candidates close enough to be a plausible typo are offered.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (levenshtein(&w, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= plausible_distance(wanted, c))
        .collect();
    scored.sort();
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

/// A third of the longer string, at least 2: "iam.apiKeys.veiw" finds "iam.apiKeys.view".
fn plausible_distance(a: &str, b: &str) -> usize {
    (a.chars().count().max(b.chars().count()) / 3).max(2)
}

/// Levenshtein distance over chars, two rows of memory.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

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
    fn distances() {
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("view", "veiw"), 2);
        assert_eq!(levenshtein("same", "same"), 0);
    }

    #[test]
    fn suggestions_are_close_and_ordered() {
        let cat = [
            "iam.apiKeys.view",
            "iam.apiKeys.manage",
            "iam.roles.view",
            "workbench.view",
        ];
        assert_eq!(closest("iam.apiKeys.veiw", cat, 3)[0], "iam.apiKeys.view");
        assert_eq!(closest("IAM.APIKEYS.VIEW", cat, 1), vec!["iam.apiKeys.view"]);
        assert!(closest("completely-unrelated-thing", cat, 3).is_empty());
    }

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

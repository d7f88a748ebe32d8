//! List resources for `terraform query` (Terraform >= 1.14): `visionone_api_key`,
//! `visionone_custom_role` and `visionone_user_account`. Each reads the API's paged list one page
//! at a time ([`paged`](tfplugin::framework::paged)), filters it, and yields every match as the
//! resource's state (as an import would record it), so the results stream and a query over ten
//! thousand keys holds one page of them.

use crate::provider::Call;
use tfplugin::framework::{list_resource, ListResourceHandler};
use tfplugin::Diagnostics;
use visionone_client::api::Page;
use visionone_client::Error;

pub mod api_key;
pub mod custom_role;
pub mod user_account;

/// The mark every ephemeral key's description carries: `ephemeral_only = true` finds the keys a
/// killed run left behind.
pub use crate::ephemeral::EPHEMERAL_MARKER;

/// Every list resource the provider serves.
pub fn all() -> Vec<Box<dyn ListResourceHandler<Call>>> {
    vec![
        list_resource(api_key::ApiKeys),
        list_resource(custom_role::CustomRoles),
        list_resource(user_account::UserAccounts),
    ]
}

/// A page's items and the cursor of the next page, for `paged`.
fn next_page<T>(page: Result<Page<T>, Error>, what: &str) -> Result<(Vec<T>, Option<Option<String>>), Diagnostics> {
    let page = page.map_err(|e| {
        let mut d = Diagnostics::new();
        d.error(format!("Could not list {what}"), e.to_string());
        d
    })?;
    let next = page.next_link.filter(|l| !l.is_empty()).map(Some);
    Ok((page.items, next))
}

//! `list "visionone_user_account"`: accounts by auth type, status and role.

use super::next_page;
use crate::provider::Call;
use crate::resources::user_account::{auth_type_to_hcl, state_from, AccountState};
use tfplugin::framework::{paged, Found, ListResource, Results};
use tfplugin::{Attribute, Block, Schema, Validator};
use visionone_client::ListQuery;

tfplugin::model! {
    /// The `config` block of `list "visionone_user_account"`.
    pub struct AccountListConfig {
        pub auth_type: String,
        pub status: String,
        pub role: String,
    }
}

pub struct UserAccounts;

impl ListResource<Call> for UserAccounts {
    type Config = AccountListConfig;
    type Object = AccountState;
    const TYPE_NAME: &'static str = "visionone_user_account";

    fn schema(&self) -> Schema {
        let one_of = |v: &[&str]| Validator::OneOf(v.iter().map(|s| s.to_string()).collect());
        Schema::new(
            0,
            Block::new()
                .description("Finds the tenant's user accounts for `terraform query`.")
                .attr(
                    Attribute::string("auth_type")
                        .optional()
                        .validate(one_of(&["local", "saml", "saml_group"]))
                        .description("Only accounts that sign in this way."),
                )
                .attr(
                    Attribute::string("status")
                        .optional()
                        .validate(one_of(&["invited", "enabled", "disabled"]))
                        .description("Only accounts in this state (`invited`: not accepted yet)."),
                )
                .attr(
                    Attribute::string("role")
                        .optional()
                        .description("Only accounts with this role name."),
                ),
        )
    }

    fn list(&self, call: Call, config: AccountListConfig, _include_resource_object: bool) -> Results<AccountState> {
        let (auth, status, role) = (
            config.auth_type.get().cloned(),
            config.status.get().cloned(),
            config.role.get().cloned(),
        );
        let cancel = call.ctx.cancel.clone();
        let client = call.client().cloned();
        paged(None::<String>, move |cursor| {
            let (client, cancel) = (client.clone(), cancel.clone());
            let (auth, status, role) = (auth.clone(), status.clone(), role.clone());
            async move {
                let client = client?;
                let page = client
                    .list_accounts_page(&ListQuery::default(), cursor.as_deref(), &cancel)
                    .await;
                let (accounts, next) = next_page(page, "user accounts")?;
                let found = accounts
                    .iter()
                    .filter(|a| auth.as_deref().is_none_or(|t| t == auth_type_to_hcl(a.auth_type)))
                    .filter(|a| status.as_deref().is_none_or(|s| s == a.status.as_str()))
                    .filter(|a| role.as_deref().is_none_or(|r| r == a.role))
                    .map(|a| Found {
                        display_name: a.email.clone(),
                        object: state_from(a, None),
                    })
                    .collect();
                Ok((found, next))
            }
        })
    }
}

//! `list "visionone_api_key"`: keys by name prefix, role, status, expiry window, and the
//! leftovers of ephemeral keys. The filter is the `visionone_api_keys` data source's.

use super::{next_page, EPHEMERAL_MARKER};
use crate::data_sources::api_keys::{unix, KeyFilter};
use crate::provider::Call;
use crate::resources::api_key::{imported_state, now, ApiKeyState, TYPE_NAME};
use tfplugin::framework::{paged, Found, ListResource, Results};
use tfplugin::{Attribute, Block, Schema};

tfplugin::model! {
    /// The `config` block of `list "visionone_api_key"`.
    pub struct KeyListConfig {
        pub name_prefix: String,
        pub role: String,
        pub status: String,
        pub expiring_within_days: i64,
        pub ephemeral_only: bool,
    }
}

pub struct ApiKeys;

impl ListResource<Call> for ApiKeys {
    type Config = KeyListConfig;
    type Object = ApiKeyState;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new()
                .description(
                    "Finds the tenant's API keys for `terraform query` (never their secrets). Every filter is optional; \
                     together they must all match.",
                )
                .attrs(KeyFilter::attributes())
                .attr(Attribute::bool("ephemeral_only").optional().description(
                    "Only keys an `ephemeral \"visionone_api_key\"` made (their description carries \
                     `[terraform-ephemeral]`): leftovers of a run that was killed before it could delete them.",
                )),
        )
    }

    fn list(&self, call: Call, config: KeyListConfig, _include_resource_object: bool) -> Results<ApiKeyState> {
        let filter = KeyFilter {
            prefix: config.name_prefix.get().cloned().unwrap_or_default(),
            role: config.role.get().cloned(),
            status: config.status.get().cloned(),
            within_days: config.expiring_within_days.value(),
        };
        let ephemeral_only = config.ephemeral_only.value() == Some(true);
        let query = filter.query();
        let cancel = call.ctx.cancel.clone();
        let client = call.client().cloned();
        paged(None::<String>, move |cursor| {
            let (client, query, cancel, filter) = (client.clone(), query.clone(), cancel.clone(), filter.clone());
            async move {
                let client = client?;
                let page = client.list_api_keys_page(&query, cursor.as_deref(), &cancel).await;
                let (keys, next) = next_page(page, "API keys")?;
                let (server_now, state_now) = (unix(client.server_now()), now(&client));
                let found = keys
                    .iter()
                    .filter(|k| filter.matches(k, server_now))
                    .filter(|k| {
                        !ephemeral_only || k.description.as_deref().is_some_and(|d| d.contains(EPHEMERAL_MARKER))
                    })
                    .map(|k| Found {
                        display_name: k.name.clone(),
                        object: imported_state(k, state_now),
                    })
                    .collect();
                Ok((found, next))
            }
        })
    }
}

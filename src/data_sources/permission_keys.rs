//! `visionone_permission_keys`: the permission catalogue, for building custom roles and for
//! checking keys before a plan.

use crate::provider::Call;
use std::collections::BTreeSet;
use tfplugin::framework::{Attr, DataSource};
use tfplugin::{Attribute, Block, Diagnostics, Schema};

/// Data sources want an id under Terraform 1.0; the catalogue is one per tenant.
const ID: &str = "permission-keys";

pub struct PermissionKeys;

tfplugin::model! {
    /// One catalogue entry.
    pub struct Permission {
        pub key: String,
        pub description: String,
    }
}

tfplugin::model! {
    /// The state of `visionone_permission_keys`.
    pub struct PermissionKeysState {
        pub id: String,
        pub keys: BTreeSet<String>,
        pub permissions: Vec<Permission>,
    }
}

#[async_trait::async_trait]
impl DataSource<Call> for PermissionKeys {
    type Model = PermissionKeysState;
    const TYPE_NAME: &'static str = "visionone_permission_keys";

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new()
                .description("Every permission key a custom role may hold, with its description.")
                .attr(
                    Attribute::string("id")
                        .computed()
                        .description("Always `permission-keys`."),
                )
                .attr(
                    Attribute::string_set("keys")
                        .computed()
                        .description("Every permission key."),
                )
                // A plain `list(object)` type rather than a protocol-6 nested attribute: Terraform
                // 1.0's static checks cannot index nested attributes (`permissions[0]` fails with
                // "This value does not have any indices").
                .attr(
                    Attribute::new("permissions", <Vec<Permission> as tfplugin::framework::AttrValue>::ty())
                        .computed()
                        .description(
                            "The catalogue in the API's order: a list of objects with `key` and `description`.",
                        ),
                ),
        )
    }

    async fn read(&self, call: &Call, _config: PermissionKeysState) -> Result<PermissionKeysState, Diagnostics> {
        let items = call
            .client()?
            .list_permission_keys(&call.ctx.cancel)
            .await
            .map_err(|e| {
                let mut d = Diagnostics::new();
                d.error("Could not read the permission catalogue", e.to_string());
                d
            })?;
        Ok(PermissionKeysState {
            id: Attr::from(ID),
            keys: Attr::Known(items.iter().map(|p| p.key.clone()).collect()),
            permissions: Attr::Known(
                items
                    .iter()
                    .map(|p| Permission {
                        key: Attr::from(p.key.as_str()),
                        description: Attr::from_option(p.description.clone()),
                    })
                    .collect(),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_a_plain_list_of_objects() {
        let t = <Vec<Permission> as tfplugin::framework::AttrValue>::ty();
        assert_eq!(t.to_string(), "list of object");
        let s = PermissionKeysState {
            permissions: Attr::Known(vec![Permission {
                key: Attr::from("k"),
                description: Attr::Null,
            }]),
            ..Default::default()
        };
        use tfplugin::framework::Model;
        assert_eq!(PermissionKeysState::from_value(&s.to_value()).unwrap(), s);
    }
}

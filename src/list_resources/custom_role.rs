//! `list "visionone_custom_role"`: roles by type (custom or predefined) and name prefix. A role's
//! permissions take one more call each, made only when Terraform asks for the whole object
//! (`include_resource = true`, or `-generate-config-out`).

use super::next_page;
use crate::provider::Call;
use crate::resources::custom_role::CustomRoleState;
use crate::roles::Observed;
use tfplugin::framework::{paged, Found, ListResource, Results};
use tfplugin::{Attribute, Block, Diagnostics, Schema, Validator};
use visionone_client::ListQuery;

tfplugin::model! {
    /// The `config` block of `list "visionone_custom_role"`.
    pub struct RoleListConfig {
        pub role_type: String = "type",
        pub name_prefix: String,
    }
}

pub struct CustomRoles;

impl ListResource<Call> for CustomRoles {
    type Config = RoleListConfig;
    type Object = CustomRoleState;
    const TYPE_NAME: &'static str = "visionone_custom_role";

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new()
                .description("Finds the tenant's roles for `terraform query`.")
                .attr(
                    Attribute::string("type")
                        .optional()
                        .validate(Validator::OneOf(vec!["custom".into(), "predefined".into()]))
                        .description(
                            "Only roles of this type. Predefined roles are listed to be seen, not imported: they \
                             cannot be managed (refer to them with the `visionone_role` data source).",
                        ),
                )
                .attr(
                    Attribute::string("name_prefix")
                        .optional()
                        .description("Only roles whose name starts with this."),
                ),
        )
    }

    fn list(&self, call: Call, config: RoleListConfig, include_resource_object: bool) -> Results<CustomRoleState> {
        let want_type = config.role_type.get().cloned();
        let prefix = config.name_prefix.get().cloned().unwrap_or_default();
        let cancel = call.ctx.cancel.clone();
        let client = call.client().cloned();
        paged(None::<String>, move |cursor| {
            let (client, cancel, want_type, prefix) =
                (client.clone(), cancel.clone(), want_type.clone(), prefix.clone());
            async move {
                let client = client?;
                let page = client
                    .list_roles_page(&ListQuery::default(), cursor.as_deref(), &cancel)
                    .await;
                let (roles, next) = next_page(page, "roles")?;
                let mut found = Vec::new();
                for role in roles.into_iter().filter(|r| r.name.starts_with(&prefix)) {
                    let mut obs = Observed {
                        permissions: role.permission_keys.clone().unwrap_or_default(),
                        role,
                        etag: None,
                    };
                    let kind = if obs.is_predefined() { "predefined" } else { "custom" };
                    if want_type.as_deref().is_some_and(|t| t != kind) {
                        continue;
                    }
                    if include_resource_object && obs.role.permission_keys.is_none() {
                        obs.permissions = client.get_role_permissions(&obs.role.id, &cancel).await.map_err(|e| {
                            let mut d = Diagnostics::new();
                            d.error(
                                format!("Could not read the permissions of role {:?}", obs.role.name),
                                e.to_string(),
                            );
                            d
                        })?;
                    }
                    let mut object = obs.resource_state(&CustomRoleState::default());
                    if !include_resource_object {
                        object.permission_keys = tfplugin::framework::Attr::Null;
                    }
                    found.push(Found {
                        display_name: obs.role.name.clone(),
                        object,
                    });
                }
                Ok((found, next))
            }
        })
    }
}

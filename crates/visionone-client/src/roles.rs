//! Roles (contract §3): list, get with ETag, permissions, the permission catalogue, create, update,
//! delete. A role found by name after an ambiguous create, with the settings we sent, is ours.

use crate::shared::ObjectKind;
use tokio_util::sync::CancellationToken;
use visionone_api::filter::Filter;
use visionone_api::{Page, PermissionKey, Role, RoleCreate, RolePermissions, RoleUpdate};

use crate::ops::Found;
use crate::{Client, ETag, Error, ListQuery};

const ROLES: &[&str] = &["iam", "roles"];

impl Client {
    pub async fn list_roles(&self, query: &ListQuery, cancel: &CancellationToken) -> Result<Vec<Role>, Error> {
        self.list_all(ROLES, query, true, cancel).await
    }

    pub async fn list_roles_page(
        &self,
        query: &ListQuery,
        next_link: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<Page<Role>, Error> {
        self.list_page(ROLES, query, true, next_link, cancel).await
    }

    /// One role and its ETag; `None` when it does not exist.
    pub async fn get_role(&self, id: &str, cancel: &CancellationToken) -> Result<Option<(Role, Option<ETag>)>, Error> {
        self.get_versioned(&["iam", "roles", id], "role", cancel).await
    }

    /// The role with exactly this name (predefined or custom).
    pub async fn find_role_by_name(&self, name: &str, cancel: &CancellationToken) -> Result<Option<Role>, Error> {
        let roles = self
            .list_roles(&ListQuery::filtered(Filter::eq("name", name)), cancel)
            .await?;
        Ok(roles.into_iter().find(|r| r.name == name))
    }

    /// The permission keys a role holds.
    pub async fn get_role_permissions(&self, id: &str, cancel: &CancellationToken) -> Result<Vec<String>, Error> {
        let p: RolePermissions = self
            .get_json(&["iam", "roles", id, "permissions"], "role permissions", cancel)
            .await?;
        Ok(p.permission_keys)
    }

    /// The catalogue of every permission key a custom role may hold.
    pub async fn list_permission_keys(&self, cancel: &CancellationToken) -> Result<Vec<PermissionKey>, Error> {
        self.list_all(
            &["iam", "roles", "permissionKeys"],
            &ListQuery::default(),
            false,
            cancel,
        )
        .await
    }

    /// Create a custom role; returns its id.
    pub async fn create_role(&self, role: &RoleCreate, cancel: &CancellationToken) -> Result<String, Error> {
        let object = format!("role '{}'", role.name);
        let lookup = || async {
            Ok(match self.find_role_by_name(&role.name, cancel).await? {
                None => Found::Nothing,
                Some(found) if same_settings(&found, role) => Found::Ours(found.id),
                Some(_) => Found::Other,
            })
        };
        let id = self.create_single(ROLES, role, &object, lookup, cancel).await?;
        self.note_changed(ObjectKind::Role, &id);
        Ok(id)
    }

    /// Change any subset of a role's fields.
    pub async fn update_role(
        &self,
        id: &str,
        update: &RoleUpdate,
        if_match: Option<&ETag>,
        cancel: &CancellationToken,
    ) -> Result<(), Error> {
        self.note_changed(ObjectKind::Role, id);
        match self.patch(&["iam", "roles", id], update, if_match, cancel).await {
            // As for keys: a retried PATCH may meet the ETag its own lost first attempt made.
            Err(e) if e.is_precondition_failed() && e.after_retry() => {
                if self.role_shows(id, update, cancel).await.unwrap_or(false) {
                    Ok(())
                } else {
                    Err(e)
                }
            }
            other => other,
        }
    }

    /// Whether the role already holds every field `update` sets (permissions compared as sets).
    async fn role_shows(&self, id: &str, update: &RoleUpdate, cancel: &CancellationToken) -> Result<bool, Error> {
        let Some((role, _)) = self.get_role(id, cancel).await? else {
            return Ok(false);
        };
        let fields = update.name.as_ref().is_none_or(|n| *n == role.name)
            && update
                .description
                .as_ref()
                .is_none_or(|d| *d == role.description.clone().unwrap_or_default())
            && update
                .allow_api_key_assignment
                .is_none_or(|v| role.allow_api_key_assignment == Some(v))
            && update
                .allow_user_account_assignment
                .is_none_or(|v| role.allow_user_account_assignment == Some(v));
        let Some(wanted) = &update.permission_keys else {
            return Ok(fields);
        };
        if !fields {
            return Ok(false);
        }
        let held = self.get_role_permissions(id, cancel).await?;
        let set = |v: &[String]| v.iter().cloned().collect::<std::collections::BTreeSet<_>>();
        Ok(set(wanted) == set(&held))
    }

    /// Delete a role; one already gone counts as deleted.
    pub async fn delete_role(&self, id: &str, cancel: &CancellationToken) -> Result<(), Error> {
        self.delete_one(&["iam", "roles", id], cancel).await?;
        self.note_deleted(ObjectKind::Role, id);
        Ok(())
    }
}

/// Whether a role found by name matches what we asked to create (fields the list omits are not held against it).
fn same_settings(found: &Role, wanted: &RoleCreate) -> bool {
    found.description.as_deref().unwrap_or("") == wanted.description
        && found
            .allow_api_key_assignment
            .is_none_or(|v| v == wanted.allow_api_key_assignment)
        && found
            .allow_user_account_assignment
            .is_none_or(|v| v == wanted.allow_user_account_assignment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_settings_compares_what_is_known() {
        let wanted = RoleCreate {
            name: "ci".into(),
            description: "d".into(),
            permission_keys: vec![],
            allow_api_key_assignment: true,
            allow_user_account_assignment: false,
        };
        let mut found = Role {
            id: "r".into(),
            name: "ci".into(),
            description: Some("d".into()),
            role_type: None,
            allow_api_key_assignment: None,
            allow_user_account_assignment: None,
            last_updated_date_time: None,
            permission_keys: None,
        };
        assert!(same_settings(&found, &wanted));
        found.allow_api_key_assignment = Some(false);
        assert!(!same_settings(&found, &wanted));
        found.allow_api_key_assignment = Some(true);
        found.description = None;
        assert!(!same_settings(&found, &wanted));
    }
}

//! A role as the API shows it (the object, its ETag and its permission keys), and how that
//! becomes Terraform state. Shared by the resource and the `visionone_role` data source.

use crate::resources::custom_role::CustomRoleState;
use tfplugin::framework::Attr;
use visionone_client::api::{Role, RoleType};
use visionone_client::{CancellationToken, Client, ETag, Error};

pub struct Observed {
    pub role: Role,
    pub etag: Option<ETag>,
    pub permissions: Vec<String>,
}

impl Observed {
    /// The role and its permissions; `None` when it does not exist (or vanished between the calls).
    pub async fn fetch(client: &Client, id: &str, cancel: &CancellationToken) -> Result<Option<Observed>, Error> {
        let Some((role, etag)) = client.get_role(id, cancel).await? else {
            return Ok(None);
        };
        Observed::complete(client, role, etag, cancel).await
    }

    /// For a refresh: the role from the shared list snapshot (one list serves every role being
    /// read), then its permissions. No ETag: updates fetch their own.
    pub async fn fetch_shared(
        client: &Client,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<Observed>, Error> {
        let Some(role) = client.read_role_shared(id, cancel).await? else {
            return Ok(None);
        };
        Observed::complete(client, role, None, cancel).await
    }

    /// Adds the permissions to a role already read (a tenant may inline them, saving a call).
    pub async fn complete(
        client: &Client,
        role: Role,
        etag: Option<ETag>,
        cancel: &CancellationToken,
    ) -> Result<Option<Observed>, Error> {
        let permissions = match role.permission_keys.clone() {
            Some(p) => p,
            None => match client.get_role_permissions(&role.id, cancel).await {
                Ok(p) => p,
                Err(e) if e.is_not_found() => return Ok(None),
                Err(e) => return Err(e),
            },
        };
        Ok(Some(Observed {
            role,
            etag,
            permissions,
        }))
    }

    pub fn is_predefined(&self) -> bool {
        self.role.role_type == Some(RoleType::Predefined)
            || visionone_client::api::PREDEFINED_ROLES.contains(&self.role.name.as_str())
    }

    /// The role as `visionone_custom_role` state, exactly as a refresh would leave it. The API
    /// may answer "" or null for "no description"; both read as null unless `prior` holds ""
    /// (so neither config form diffs). Flags the API leaves out keep the prior value.
    pub fn resource_state(&self, prior: &CustomRoleState) -> CustomRoleState {
        let description = match self.role.description.as_deref() {
            None | Some("") if prior.description.as_deref() == Some("") => Attr::from(""),
            None | Some("") => Attr::Null,
            Some(d) => Attr::from(d),
        };
        let flag = |v: Option<bool>, prior: &Attr<bool>| Attr::Known(v.or(prior.value()).unwrap_or(false));
        let role_type = match self.role.role_type {
            Some(RoleType::Predefined) => Attr::from("predefined"),
            Some(RoleType::Custom) => Attr::from("custom"),
            None => prior.role_type.clone(),
        };
        CustomRoleState {
            id: Attr::from(self.role.id.as_str()),
            name: Attr::from(self.role.name.as_str()),
            description,
            role_type,
            allow_api_key_assignment: flag(self.role.allow_api_key_assignment, &prior.allow_api_key_assignment),
            allow_user_account_assignment: flag(
                self.role.allow_user_account_assignment,
                &prior.allow_user_account_assignment,
            ),
            permission_keys: Attr::Known(self.permissions.iter().cloned().collect()),
            last_updated_at: Attr::from_option(self.role.last_updated_date_time.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(description: Option<&str>) -> Observed {
        Observed {
            role: Role {
                id: "r1".into(),
                name: "ci".into(),
                description: description.map(str::to_string),
                role_type: Some(RoleType::Custom),
                allow_api_key_assignment: Some(true),
                allow_user_account_assignment: None,
                last_updated_date_time: Some("2026-01-01T00:00:00Z".into()),
                permission_keys: None,
            },
            etag: None,
            permissions: vec!["b".into(), "a".into(), "a".into()],
        }
    }

    #[test]
    fn empty_description_follows_prior() {
        let none = CustomRoleState::default();
        let empty = CustomRoleState {
            description: Attr::from(""),
            ..Default::default()
        };
        for d in [None, Some("")] {
            assert!(role(d).resource_state(&none).description.is_null());
            assert_eq!(role(d).resource_state(&empty).description.as_deref(), Some(""));
        }
        assert_eq!(role(Some("x")).resource_state(&none).description.as_deref(), Some("x"));
    }

    #[test]
    fn state_shape() {
        let s = role(None).resource_state(&CustomRoleState::default());
        assert_eq!(
            s.permission_keys
                .get()
                .map(|k| k.iter().map(String::as_str).collect::<Vec<_>>()),
            Some(vec!["a", "b"])
        );
        assert_eq!(s.allow_api_key_assignment.value(), Some(true));
        assert_eq!(s.allow_user_account_assignment.value(), Some(false));
        assert_eq!(s.role_type.as_deref(), Some("custom"));
        assert_eq!(s.last_updated_at.as_deref(), Some("2026-01-01T00:00:00Z"));
    }
}

//! A role as the API shows it (the object, its ETag and its permission keys), and how that
//! becomes Terraform state. Shared by the resource and the `visionone_role` data source.

use tfplugin::Value;
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

    /// The attributes the resource and the data source share. The API may answer "" or null for
    /// "no description"; both read as null unless `prior` holds "" (so neither config form diffs).
    pub fn common_attrs(&self, prior: &Value) -> Vec<(&'static str, Value)> {
        let description = match self.role.description.as_deref() {
            None | Some("") if prior.get("description").as_str() == Some("") => Value::from(""),
            None | Some("") => Value::Null,
            Some(d) => Value::from(d),
        };
        let flag = |v: Option<bool>, attr: &str| Value::Bool(v.or_else(|| prior.get(attr).as_bool()).unwrap_or(false));
        let role_type = match self.role.role_type {
            Some(RoleType::Predefined) => Value::from("predefined"),
            Some(RoleType::Custom) => Value::from("custom"),
            None => prior.get("type").clone(),
        };
        vec![
            ("id", Value::from(self.role.id.as_str())),
            ("name", Value::from(self.role.name.as_str())),
            ("description", description),
            ("type", role_type),
            (
                "allow_api_key_assignment",
                flag(self.role.allow_api_key_assignment, "allow_api_key_assignment"),
            ),
            (
                "allow_user_account_assignment",
                flag(self.role.allow_user_account_assignment, "allow_user_account_assignment"),
            ),
            ("permission_keys", Value::string_set(self.permissions.iter().cloned())),
        ]
    }

    /// The `visionone_custom_role` state, exactly as a refresh would leave it.
    pub fn resource_state(&self, prior: &Value) -> Value {
        let mut attrs = self.common_attrs(prior);
        attrs.push((
            "last_updated_at",
            Value::opt_string(self.role.last_updated_date_time.clone()),
        ));
        Value::object(attrs)
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
        let none = Value::Null;
        let empty = Value::object([("description", Value::from(""))]);
        for d in [None, Some("")] {
            assert!(role(d).resource_state(&none).get("description").is_null());
            assert_eq!(role(d).resource_state(&empty).get("description").as_str(), Some(""));
        }
        assert_eq!(
            role(Some("x")).resource_state(&none).get("description").as_str(),
            Some("x")
        );
    }

    #[test]
    fn state_shape() {
        let s = role(None).resource_state(&Value::Null);
        assert_eq!(s.get("permission_keys"), &Value::string_set(["a", "b"]));
        assert_eq!(s.get("allow_api_key_assignment"), &Value::Bool(true));
        assert_eq!(s.get("allow_user_account_assignment"), &Value::Bool(false));
        assert_eq!(s.get("type").as_str(), Some("custom"));
        assert_eq!(s.get("last_updated_at").as_str(), Some("2026-01-01T00:00:00Z"));
    }
}

//! Roles: looked up by exact name (never by a fixed id: predefined roles' ids are not stated).

use reqwest::Method;
use tokio_util::sync::CancellationToken;
use visionone_api::workload::{Role, Roles, SearchFilter};

use super::WorkloadClient;
use crate::transport::{Request, Retry};
use crate::Error;

impl WorkloadClient {
    /// `GET /roles`: every role.
    pub async fn list_roles(&self, cancel: &CancellationToken) -> Result<Vec<Role>, Error> {
        let req = Request::new(Method::GET, self.transport.url(&["roles"]));
        let roles: Roles = self.call(req, Retry::Always, "roles", cancel).await?;
        Ok(roles.roles)
    }

    /// The role named exactly `name` (case-sensitive, `%` and `_` literal); None when there is none.
    /// Several roles of one name: the lowest id (a manager should not allow that).
    pub async fn role_by_name(&self, name: &str, cancel: &CancellationToken) -> Result<Option<Role>, Error> {
        let req = Request::new(Method::POST, self.transport.url(&["roles", "search"]))
            .json(&SearchFilter::exact("name", name))?;
        let roles: Roles = self.call(req, Retry::Always, "role search", cancel).await?;
        let mut hits: Vec<Role> = roles
            .roles
            .into_iter()
            .filter(|r| r.name.as_deref() == Some(name))
            .collect();
        hits.sort_by_key(|r| r.id);
        Ok(hits.into_iter().next())
    }

    /// `GET /roles/{id}`.
    pub async fn get_role(&self, id: i64, cancel: &CancellationToken) -> Result<Role, Error> {
        let req = Request::new(Method::GET, self.transport.url(&["roles", &id.to_string()]));
        self.call(req, Retry::Always, "role", cancel).await
    }
}

/// Whether an API key may hold this role (`allowWebService`; a manager that omits it: assume yes,
/// and let the create call say otherwise).
pub fn keys_may_use(role: &Role) -> bool {
    role.allow_web_service.unwrap_or(true)
}

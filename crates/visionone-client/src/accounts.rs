//! User accounts (contract §4): list, get, invite, update, delete. An account is unique by email; one
//! found by email after an ambiguous invite, with the role and auth type we sent, is ours.

use crate::shared::ObjectKind;
use tokio_util::sync::CancellationToken;
use visionone_api::filter::Filter;
use visionone_api::{Account, AccountCreate, AccountUpdate, AuthType, Page};

use crate::ops::Found;
use crate::{Client, Error, ListQuery};

const ACCOUNTS: &[&str] = &["iam", "accounts"];

impl Client {
    pub async fn list_accounts(&self, query: &ListQuery, cancel: &CancellationToken) -> Result<Vec<Account>, Error> {
        self.list_all(ACCOUNTS, query, true, cancel).await
    }

    pub async fn list_accounts_page(
        &self,
        query: &ListQuery,
        next_link: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<Page<Account>, Error> {
        self.list_page(ACCOUNTS, query, true, next_link, cancel).await
    }

    /// One account; `None` when it does not exist (an accepted invitation changes the id).
    pub async fn get_account(&self, id: &str, cancel: &CancellationToken) -> Result<Option<Account>, Error> {
        Ok(self
            .get_versioned::<Account>(&["iam", "accounts", id], "account", cancel)
            .await?
            .map(|(a, _)| a))
    }

    /// The account with this email (and auth type, when given). Emails compare case-insensitively.
    pub async fn find_account_by_email(
        &self,
        email: &str,
        auth_type: Option<AuthType>,
        cancel: &CancellationToken,
    ) -> Result<Option<Account>, Error> {
        let mut filter = Filter::eq("email", email);
        if let Some(t) = auth_type {
            filter = filter.and(Filter::eq("authType", t.as_str()));
        }
        let found = self.list_accounts(&ListQuery::filtered(filter), cancel).await?;
        Ok(found
            .into_iter()
            .find(|a| a.email.eq_ignore_ascii_case(email) && auth_type.is_none_or(|t| a.auth_type == t)))
    }

    /// Invite a user; returns the (temporary, while invited) account id.
    pub async fn invite_account(&self, account: &AccountCreate, cancel: &CancellationToken) -> Result<String, Error> {
        let object = format!("account '{}'", account.email);
        let lookup = || async {
            Ok(match self.find_account_by_email(&account.email, None, cancel).await? {
                None => Found::Nothing,
                Some(a) if a.auth_type == account.auth_type && a.role == account.role => Found::Ours(a.id),
                Some(_) => Found::Other,
            })
        };
        let id = self.create_single(ACCOUNTS, account, &object, lookup, cancel).await?;
        self.note_changed(ObjectKind::Account, &id);
        Ok(id)
    }

    /// Change an account's role, status or description (no If-Match on accounts).
    pub async fn update_account(
        &self,
        id: &str,
        update: &AccountUpdate,
        cancel: &CancellationToken,
    ) -> Result<(), Error> {
        self.note_changed(ObjectKind::Account, id);
        self.patch(&["iam", "accounts", id], update, None, cancel).await
    }

    /// Delete an account; one already gone counts as deleted.
    pub async fn delete_account(&self, id: &str, cancel: &CancellationToken) -> Result<(), Error> {
        self.delete_one(&["iam", "accounts", id], cancel).await?;
        self.note_deleted(ObjectKind::Account, id);
        Ok(())
    }
}

//! Lists: one page, or every page through `nextLink`, with the `TMV1-Filter` header re-sent on each.

use std::collections::HashSet;

use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;
use visionone_api::filter::Filter;
use visionone_api::{Page, ALLOWED_TOP};

use crate::transport::{Request, Retry};
use crate::{Client, Error};

/// Page size used when the caller gives none.
pub const DEFAULT_TOP: u32 = 200;

/// What to list. `top` is the page size (the API accepts 50, 100 or 200; other values are rounded
/// up to the next accepted size); "all pages" calls return every item whatever it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub top: Option<u32>,
    /// `"<field> asc|desc"`.
    pub order_by: Option<String>,
    pub filter: Option<Filter>,
}

impl ListQuery {
    pub fn filtered(filter: Filter) -> Self {
        ListQuery {
            filter: Some(filter),
            ..ListQuery::default()
        }
    }

    /// The page size actually sent.
    pub fn page_size(&self) -> u32 {
        let want = self.top.unwrap_or(DEFAULT_TOP);
        ALLOWED_TOP.iter().copied().find(|t| *t >= want).unwrap_or(DEFAULT_TOP)
    }
}

impl Client {
    /// One page: the first (from `query`) or the one `next_link` points at.
    pub(crate) async fn list_page<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &ListQuery,
        with_top: bool,
        next_link: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<Page<T>, Error> {
        let first = self.url(segments);
        let url = match next_link {
            Some(link) => self.resolve_next_link(&first, link)?,
            None => {
                let mut url = first;
                {
                    let mut q = url.query_pairs_mut();
                    if with_top {
                        q.append_pair("top", &query.page_size().to_string());
                    }
                    if let Some(order) = &query.order_by {
                        q.append_pair("orderBy", order);
                    }
                }
                if url.query() == Some("") {
                    url.set_query(None);
                }
                url
            }
        };
        let mut req = Request::new(Method::GET, url);
        req.filter = query.filter.as_ref().map(|f| f.to_string());
        let reply = self.send(&req, Retry::Always, cancel).await?;
        reply.json(&format!("list of {}", segments.last().copied().unwrap_or("items")))
    }

    /// Every page, in order.
    pub(crate) async fn list_all<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &ListQuery,
        with_top: bool,
        cancel: &CancellationToken,
    ) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        let mut next: Option<String> = None;
        loop {
            let page: Page<T> = self
                .list_page(segments, query, with_top, next.as_deref(), cancel)
                .await?;
            items.extend(page.items);
            match page.next_link.filter(|l| !l.is_empty()) {
                None => return Ok(items),
                Some(link) => {
                    if !seen.insert(link.clone()) {
                        return Err(Error::Protocol(format!("the list repeats nextLink '{link}'")));
                    }
                    next = Some(link);
                }
            }
        }
    }

    /// `nextLink` is an absolute URL; a relative one is resolved against the list URL. It must
    /// point at the same origin: the bearer key is never sent anywhere else.
    fn resolve_next_link(&self, list_url: &Url, link: &str) -> Result<Url, Error> {
        let url = list_url
            .join(link)
            .map_err(|e| Error::Protocol(format!("nextLink '{link}' is not a URL: {e}")))?;
        if url.origin() != self.inner.base.origin() {
            return Err(Error::Protocol(format!(
                "nextLink '{link}' points outside {}; refusing to send the API key there",
                self.inner.base
            )));
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientConfig;

    #[test]
    fn page_size_rounds_to_accepted_values() {
        let q = |top| ListQuery {
            top,
            ..ListQuery::default()
        };
        assert_eq!(q(None).page_size(), 200);
        assert_eq!(q(Some(1)).page_size(), 50);
        assert_eq!(q(Some(50)).page_size(), 50);
        assert_eq!(q(Some(51)).page_size(), 100);
        assert_eq!(q(Some(5000)).page_size(), 200);
    }

    #[test]
    fn next_links_absolute_relative_and_foreign() {
        let c = Client::new(ClientConfig::new("http://127.0.0.1:9", "k")).unwrap();
        let list = c.url(&["iam", "apiKeys"]);
        let abs = c
            .resolve_next_link(&list, "http://127.0.0.1:9/v3.0/iam/apiKeys?skipToken=a")
            .unwrap();
        assert_eq!(abs.query(), Some("skipToken=a"));
        let rel = c.resolve_next_link(&list, "/v3.0/iam/apiKeys?skipToken=b").unwrap();
        assert_eq!(rel.as_str(), "http://127.0.0.1:9/v3.0/iam/apiKeys?skipToken=b");
        let rel2 = c.resolve_next_link(&list, "apiKeys?skipToken=c").unwrap();
        assert_eq!(rel2.as_str(), "http://127.0.0.1:9/v3.0/iam/apiKeys?skipToken=c");
        assert!(c.resolve_next_link(&list, "https://evil.example/steal").is_err());
        assert!(c
            .resolve_next_link(&list, "http://127.0.0.1:10/v3.0/iam/apiKeys")
            .is_err());
    }
}

//! List mechanics shared by keys, roles and accounts: `top`, `orderBy`, the `TMV1-Filter` header,
//! and keyset pagination through an opaque `skipToken`.
//!
//! Each page sorts the matching rows (O(n log n) per request) and resumes strictly after the last
//! row of the previous page, found by binary search. Keyset tokens (the last row's sort value and
//! its creation sequence number) stay correct when rows are created or deleted between pages.

use std::collections::HashMap;

use axum::http::HeaderMap;
use visionone_api::filter::Filter;
use visionone_api::ALLOWED_TOP;

use crate::error::ApiError;
use crate::filter;

/// A row's position in an ordering: the ordered field's value (None sorts first), then the row's
/// creation sequence number, which is unique.
pub type SortKey = (Option<String>, u64);

/// Parsed list query parameters.
#[derive(Debug, Clone)]
pub struct ListParams {
    pub top: usize,
    pub order_field: String,
    pub desc: bool,
    /// `orderBy` exactly as the client sent it, repeated in `nextLink`.
    order_raw: Option<String>,
    cursor: Option<SortKey>,
}

impl ListParams {
    /// Read `top`, `orderBy` and `skipToken`. `allowed` are the sortable fields.
    pub fn parse(query: &HashMap<String, String>, allowed: &[&str], default: (&str, bool)) -> Result<Self, ApiError> {
        let top = match query.get("top") {
            None => 50,
            Some(t) => match t.trim().parse::<u32>() {
                Ok(n) if ALLOWED_TOP.contains(&n) => n as usize,
                _ => {
                    return Err(ApiError::invalid(format!(
                        "top must be one of {ALLOWED_TOP:?}, not '{}'",
                        t.chars().take(32).collect::<String>()
                    )))
                }
            },
        };
        let (order_field, desc, order_raw) = match query.get("orderBy") {
            None => (default.0.to_string(), default.1, None),
            Some(raw) => {
                let mut parts = raw.split_whitespace();
                let field = parts.next().unwrap_or("");
                let desc = match parts.next().map(|d| d.to_ascii_lowercase()) {
                    None => false,
                    Some(d) if d == "asc" => false,
                    Some(d) if d == "desc" => true,
                    Some(_) => return Err(ApiError::invalid("orderBy must be '<field> asc' or '<field> desc'")),
                };
                if parts.next().is_some() || !allowed.contains(&field) {
                    return Err(ApiError::invalid(format!(
                        "orderBy accepts only the fields {allowed:?}"
                    )));
                }
                (field.to_string(), desc, Some(raw.clone()))
            }
        };
        let cursor = match query.get("skipToken") {
            None => None,
            Some(t) => Some(decode_token(t).ok_or_else(|| ApiError::invalid("skipToken is not valid"))?),
        };
        Ok(ListParams {
            top,
            order_field,
            desc,
            order_raw,
            cursor,
        })
    }
}

/// One page cut from the matching rows.
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Rows matching the filter, across all pages.
    pub total: usize,
    /// Where the next page starts, when there is one.
    pub next: Option<SortKey>,
}

/// Sort `rows` as `p` asks and cut the page after `p`'s cursor.
pub fn page<T>(mut rows: Vec<(SortKey, T)>, p: &ListParams) -> Paged<T> {
    if p.desc {
        rows.sort_unstable_by(|a, b| b.0.cmp(&a.0));
    } else {
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    }
    let total = rows.len();
    let start = match &p.cursor {
        None => 0,
        Some(c) if p.desc => rows.partition_point(|(k, _)| k >= c),
        Some(c) => rows.partition_point(|(k, _)| k <= c),
    };
    let end = (start + p.top).min(total);
    let next = if end < total {
        Some(rows[end - 1].0.clone())
    } else {
        None
    };
    let items = rows.into_iter().skip(start).take(end - start).map(|(_, t)| t).collect();
    Paged { items, total, next }
}

/// The absolute URL of the next page. The filter is not in it: clients send the header again.
pub fn next_link(headers: &HeaderMap, fallback_host: &str, path: &str, p: &ListParams, next: &SortKey) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or(fallback_host);
    let scheme = match headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()) {
        Some("https") => "https",
        _ => "http",
    };
    let mut url = format!("{scheme}://{host}{path}?top={}", p.top);
    if let Some(o) = &p.order_raw {
        url.push_str("&orderBy=");
        url.push_str(&percent_encode(o));
    }
    url.push_str("&skipToken=");
    url.push_str(&encode_token(next));
    url
}

/// Read and check the `TMV1-Filter` header against the filterable `fields`.
pub fn filter_header(headers: &HeaderMap, fields: &[&str], max_len: usize) -> Result<Option<Filter>, ApiError> {
    let Some(raw) = headers.get("TMV1-Filter") else {
        return Ok(None);
    };
    // Names and emails may be non-ASCII: the header carries the filter as UTF-8.
    let text = std::str::from_utf8(raw.as_bytes()).map_err(|_| ApiError::invalid("TMV1-Filter must be UTF-8 text"))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max_len {
        return Err(ApiError::invalid(format!(
            "TMV1-Filter is longer than {max_len} characters"
        )));
    }
    let f = filter::parse(text).map_err(|e| ApiError::invalid(format!("TMV1-Filter: {e}")))?;
    if let Some(bad) = f.fields().into_iter().find(|name| !fields.contains(name)) {
        return Err(ApiError::invalid(format!(
            "TMV1-Filter: unknown field '{bad}' (filterable: {})",
            fields.join(", ")
        )));
    }
    Ok(Some(f))
}

fn encode_token(k: &SortKey) -> String {
    let json = serde_json::to_string(&(k.0.as_deref(), k.1)).unwrap_or_default();
    json.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_token(t: &str) -> Option<SortKey> {
    if t.len() % 2 == 1 || t.len() > 4096 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..t.len())
        .step_by(2)
        .map(|i| t.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    let (v, seq): (Option<String>, u64) = serde_json::from_slice(&bytes?).ok()?;
    Some((v, seq))
}

/// Percent-encode everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn top_and_order_are_checked() {
        let p = ListParams::parse(&q(&[]), &["name"], ("name", true)).unwrap();
        assert_eq!((p.top, p.desc), (50, true));
        assert!(ListParams::parse(&q(&[("top", "10")]), &["name"], ("name", false)).is_err());
        assert!(ListParams::parse(&q(&[("orderBy", "secret asc")]), &["name"], ("name", false)).is_err());
        assert!(ListParams::parse(&q(&[("orderBy", "name sideways")]), &["name"], ("name", false)).is_err());
        assert!(ListParams::parse(&q(&[("skipToken", "zz")]), &["name"], ("name", false)).is_err());
        let p = ListParams::parse(&q(&[("top", "200"), ("orderBy", "name DESC")]), &["name"], ("x", false)).unwrap();
        assert_eq!((p.top, p.desc, p.order_field.as_str()), (200, true, "name"));
    }

    #[test]
    fn next_link_says_https_behind_tls() {
        let p = ListParams::parse(&q(&[]), &[], ("x", false)).unwrap();
        let key: SortKey = (None, 7);
        let mut headers = HeaderMap::new();
        assert!(next_link(&headers, "127.0.0.1:1", "/v3.0/iam/roles", &p, &key).starts_with("http://127.0.0.1:1/"));
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        assert!(next_link(&headers, "127.0.0.1:1", "/v3.0/iam/roles", &p, &key).starts_with("https://127.0.0.1:1/"));
    }

    #[test]
    fn keyset_pages_cover_every_row_once() {
        for desc in [false, true] {
            let rows: Vec<(SortKey, u64)> = (0..537u64).map(|i| ((Some(format!("{:03}", i % 7)), i), i)).collect();
            let mut p = ListParams::parse(&q(&[]), &[], ("x", desc)).unwrap();
            let mut seen = Vec::new();
            loop {
                let pg = page(rows.clone(), &p);
                assert_eq!(pg.total, 537);
                seen.extend(pg.items);
                match pg.next {
                    Some(n) => p.cursor = Some(decode_token(&encode_token(&n)).unwrap()),
                    None => break,
                }
            }
            seen.sort();
            assert_eq!(seen, (0..537).collect::<Vec<_>>());
        }
    }

    #[test]
    fn encoding() {
        assert_eq!(percent_encode("name asc"), "name%20asc");
        let k = (Some("a'b é".to_string()), 42);
        assert_eq!(decode_token(&encode_token(&k)), Some(k));
        assert_eq!(decode_token(&encode_token(&(None, 1))), Some((None, 1)));
    }
}

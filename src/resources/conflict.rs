//! The one rule for a write refused with 412 Precondition Failed (another writer got in between
//! our read and our PATCH): read again, and write once more, unless the other writer changed a
//! field this write manages. That change is reported, never overwritten.

use std::future::Future;
use visionone_client::{ETag, Error};

/// Why a fresh write did not happen.
#[derive(Debug)]
pub enum Refused {
    /// The object is gone.
    Gone,
    /// Another writer changed these managed fields meanwhile.
    Changed(Vec<&'static str>),
    /// Reading the object failed.
    Read(Error),
    /// The write failed (a second 412 included).
    Write(Error),
}

/// Reads the object with its ETag, asks `change` what to send (`None`: nothing to do), and writes
/// it with that ETag, under the rule above. `outside(first, now)` names the managed fields that
/// differ between the first read and the read after a 412.
pub async fn write_fresh<O, C, R, W>(
    read: impl Fn() -> R,
    change: impl Fn(&O) -> Option<C>,
    outside: impl Fn(&O, &O) -> Vec<&'static str>,
    write: impl Fn(C, Option<ETag>) -> W,
) -> Result<(), Refused>
where
    R: Future<Output = Result<Option<(O, Option<ETag>)>, Error>>,
    W: Future<Output = Result<(), Error>>,
{
    let mut first: Option<O> = None;
    loop {
        let (now, etag) = read().await.map_err(Refused::Read)?.ok_or(Refused::Gone)?;
        if let Some(before) = &first {
            let changed = outside(before, &now);
            if !changed.is_empty() {
                return Err(Refused::Changed(changed));
            }
        }
        let Some(body) = change(&now) else {
            return Ok(());
        };
        match write(body, etag).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_precondition_failed() && first.is_none() => first = Some(now),
            Err(e) => return Err(Refused::Write(e)),
        }
    }
}

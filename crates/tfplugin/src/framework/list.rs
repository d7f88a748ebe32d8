//! List resources for `terraform query` (Terraform >= 1.14): a typed `config` block and a stream
//! of the managed resource's objects. The transport takes each object's identity from it and
//! stops reading at the request's `limit`, so a list reads pages only as results are wanted.

use super::model::{Model, ModelError};
use crate::diag::Diagnostics;
use crate::list::{ListRequest, ListStream, Listed};
use crate::schema::Schema;
use crate::value::Value;
use futures_util::stream::{BoxStream, StreamExt};

/// One object found: the name `terraform query` shows and the object as the resource's state.
pub struct Found<M> {
    pub display_name: String,
    pub object: M,
}

/// What a list yields, in order: objects found, or an error that ends the list.
pub type Results<M> = BoxStream<'static, Result<Found<M>, Diagnostics>>;

/// A list resource type against provider data `P`; its `TYPE_NAME` is the managed resource's.
pub trait ListResource<P: Send + 'static>: Send + Sync + 'static {
    /// The `config { ... }` block.
    type Config: Model;
    /// The managed resource's model.
    type Object: Model;
    const TYPE_NAME: &'static str;
    fn schema(&self) -> Schema;
    /// Checks beyond the schema's validators (values may be unknown).
    fn validate(&self, _config: &Self::Config, _d: &mut Diagnostics) {}
    /// The objects matching `config`, as they are read. `include_resource_object` says whether
    /// Terraform wants the whole object (it always gets the identity and the name).
    fn list(&self, p: P, config: Self::Config, include_resource_object: bool) -> Results<Self::Object>;
}

/// A list resource as the provider server calls it.
pub trait ListResourceHandler<P>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> &Schema;
    fn check_model(&self) -> Result<(), String>;
    fn validate(&self, config: &Value) -> Diagnostics;
    fn list(&self, p: P, req: ListRequest) -> ListStream;
}

/// Wraps a [`ListResource`] for the server.
pub fn list_resource<P: Send + 'static, L: ListResource<P>>(l: L) -> Box<dyn ListResourceHandler<P>> {
    let schema = l.schema();
    Box::new(ListAdapter { l, schema })
}

struct ListAdapter<L> {
    l: L,
    schema: Schema,
}

/// No `config` block is a config with every argument null (what `from_value` makes of null).
fn config_of<M: Model>(v: &Value) -> Result<M, ModelError> {
    M::from_value(v)
}

impl<P: Send + 'static, L: ListResource<P>> ListResourceHandler<P> for ListAdapter<L> {
    fn type_name(&self) -> &'static str {
        L::TYPE_NAME
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    fn check_model(&self) -> Result<(), String> {
        super::model::check_model::<L::Config>(&self.schema.block)
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = super::validator::validate(&self.schema.block, config);
        match config_of::<L::Config>(config) {
            Ok(m) => self.l.validate(&m, &mut d),
            Err(e) if !d.has_errors() => d.extend(e.diagnostics()),
            Err(_) => {}
        }
        d
    }
    fn list(&self, p: P, req: ListRequest) -> ListStream {
        let d = self.validate(&req.config);
        if d.has_errors() {
            return futures_util::stream::iter([Err(d)]).boxed();
        }
        let config = match config_of::<L::Config>(&req.config) {
            Ok(c) => c,
            Err(e) => return futures_util::stream::iter([Err(e.diagnostics())]).boxed(),
        };
        self.l
            .list(p, config, req.include_resource_object)
            .map(|r| {
                r.map(|f| Listed {
                    display_name: f.display_name,
                    state: f.object.to_value(),
                })
            })
            .boxed()
    }
}

/// Results read page by page: `fetch(cursor)` gives one page's results and the cursor of the
/// next page (`None` after the last). A page is read only once the one before is consumed, so
/// at most one page is held and reading stops as soon as the consumer does.
pub fn paged<C, T, F, Fut>(first: C, fetch: F) -> BoxStream<'static, Result<T, Diagnostics>>
where
    C: Send + 'static,
    T: Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<C>), Diagnostics>> + Send + 'static,
{
    futures_util::stream::unfold((Some(first), fetch), |(cursor, mut fetch)| async move {
        let page = fetch(cursor?).await;
        Some(match page {
            Ok((items, next)) => (Ok(items), (next, fetch)),
            Err(d) => (Err(d), (None, fetch)),
        })
    })
    .flat_map(|page| match page {
        Ok(items) => futures_util::stream::iter(items.into_iter().map(Ok)).boxed(),
        Err(d) => futures_util::stream::iter([Err(d)]).boxed(),
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pages_are_read_only_as_far_as_consumed() {
        let reads = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = reads.clone();
        let s = paged(0u32, move |page| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move { Ok((vec![page * 10, page * 10 + 1], (page < 9).then_some(page + 1))) }
        });
        let first: Vec<_> = s.take(3).collect().await;
        assert_eq!(
            first.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
            vec![0, 1, 10]
        );
        assert_eq!(
            reads.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "two pages for three results"
        );
    }

    #[tokio::test]
    async fn an_error_ends_the_stream() {
        let s = paged(0u32, |page| async move {
            if page == 1 {
                let mut d = Diagnostics::new();
                d.error("boom", "");
                Err(d)
            } else {
                Ok((vec![page], Some(page + 1)))
            }
        });
        let all: Vec<_> = s.collect().await;
        assert_eq!(all.len(), 2);
        assert!(all[1].is_err());
    }
}

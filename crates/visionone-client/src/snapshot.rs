//! Shared reads: a refresh of many resources is answered from one complete list fetch (pages of
//! 200), made once per client and shared by every reader, instead of one `GET` per resource.
//!
//! Readers arriving together are gathered for a short window. A few (≤ `few_reads`) are served by
//! single `GET`s, which is cheaper than listing a large tenant; more build the snapshot, and every
//! later reader is answered from it while it is fresh. Readers arriving during the fetch wait for it.
//!
//! Staleness guards: an id this client created or changed (coalesced calls record this themselves;
//! other calls through [`Client::note_changed`]) after the fetch began is read with a `GET`; one it
//! deleted reads `None`. An id absent from the snapshot is confirmed with a `GET` before `None` is
//! answered (it may have been created since, or a page may have shifted under concurrent deletes).
//! A key deleted by someone else after the snapshot is still reported as it was in the snapshot
//! until the snapshot expires (`snapshot_max_age`): a later update or delete of it meets the 404.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use visionone_api::{Account, ApiKey, Role};

use crate::shared::{lock, CoalesceSettings, Counters, Shared};
use crate::{Client, Error, ListQuery};

/// An object kind that can be listed whole and fetched one by one.
pub(crate) trait Listed: Clone + Send + Sync + 'static {
    fn id(&self) -> &str;
    fn cache(shared: &Shared) -> &Arc<SharedList<Self>>;
    fn list_all(client: &Client, cancel: &CancellationToken) -> impl Future<Output = Result<Vec<Self>, Error>> + Send;
    fn get_one(
        client: &Client,
        id: &str,
        cancel: &CancellationToken,
    ) -> impl Future<Output = Result<Option<Self>, Error>> + Send;
}

/// Pages of 200, the largest the API serves.
fn full_pages() -> ListQuery {
    ListQuery {
        top: Some(200),
        ..ListQuery::default()
    }
}

impl Listed for ApiKey {
    fn id(&self) -> &str {
        &self.id
    }
    fn cache(shared: &Shared) -> &Arc<SharedList<Self>> {
        &shared.keys
    }
    async fn list_all(client: &Client, cancel: &CancellationToken) -> Result<Vec<Self>, Error> {
        client.list_api_keys(&full_pages(), cancel).await
    }
    async fn get_one(client: &Client, id: &str, cancel: &CancellationToken) -> Result<Option<Self>, Error> {
        Ok(client.get_api_key(id, cancel).await?.map(|(k, _)| k))
    }
}

impl Listed for Role {
    fn id(&self) -> &str {
        &self.id
    }
    fn cache(shared: &Shared) -> &Arc<SharedList<Self>> {
        &shared.roles
    }
    async fn list_all(client: &Client, cancel: &CancellationToken) -> Result<Vec<Self>, Error> {
        client.list_roles(&full_pages(), cancel).await
    }
    async fn get_one(client: &Client, id: &str, cancel: &CancellationToken) -> Result<Option<Self>, Error> {
        Ok(client.get_role(id, cancel).await?.map(|(r, _)| r))
    }
}

impl Listed for Account {
    fn id(&self) -> &str {
        &self.id
    }
    fn cache(shared: &Shared) -> &Arc<SharedList<Self>> {
        &shared.accounts
    }
    async fn list_all(client: &Client, cancel: &CancellationToken) -> Result<Vec<Self>, Error> {
        client.list_accounts(&full_pages(), cancel).await
    }
    async fn get_one(client: &Client, id: &str, cancel: &CancellationToken) -> Result<Option<Self>, Error> {
        client.get_account(id, cancel).await
    }
}

/// A complete list, by id.
pub(crate) type Snapshot<T> = Arc<HashMap<String, T>>;

/// What a waiting reader is told.
enum Notice<T> {
    /// Too few readers to be worth a list: fetch your own object.
    SingleGet,
    Ready(Snapshot<T>),
    Failed(Error),
}

/// What this client did to an id since the current snapshot's fetch began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Touch {
    Changed,
    Deleted,
}

pub(crate) struct SharedList<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    phase: Phase<T>,
    touched: HashMap<String, Touch>,
    /// Numbers the gathering windows, so a window's timer acts on its own window only.
    window: u64,
    single_gets: u64,
}

enum Phase<T> {
    Idle,
    Gathering(Vec<oneshot::Sender<Notice<T>>>),
    Fetching(Vec<oneshot::Sender<Notice<T>>>),
    Ready { snapshot: Snapshot<T>, taken: Instant },
}

impl<T> Default for SharedList<T> {
    fn default() -> Self {
        SharedList {
            state: Mutex::new(State {
                phase: Phase::Idle,
                touched: HashMap::new(),
                window: 0,
                single_gets: 0,
            }),
        }
    }
}

impl<T> SharedList<T> {
    pub fn note_changed(&self, id: &str) {
        let mut st = lock(&self.state);
        if st.touched.get(id) != Some(&Touch::Deleted) {
            st.touched.insert(id.to_owned(), Touch::Changed);
        }
    }

    pub fn note_deleted(&self, id: &str) {
        lock(&self.state).touched.insert(id.to_owned(), Touch::Deleted);
    }
}

/// How a read is to be answered, decided under the lock.
enum Plan<T> {
    Answer(Option<T>),
    Get,
    Wait(oneshot::Receiver<Notice<T>>),
}

impl<T: Listed> SharedList<T> {
    /// One object by id, from the shared snapshot when that is cheaper.
    async fn read(self: &Arc<Self>, client: &Client, id: &str, cancel: &CancellationToken) -> Result<Option<T>, Error> {
        let shared = client.shared();
        let settings = shared.settings();
        if !settings.enabled {
            return self.get(client, &shared, id, cancel).await;
        }
        let plan = {
            let mut st = lock(&self.state);
            match st.touched.get(id) {
                Some(Touch::Deleted) => Plan::Answer(None),
                Some(Touch::Changed) => Plan::Get,
                None => self.plan_read(&mut st, client, &settings, id),
            }
        };
        let snapshot = match plan {
            Plan::Answer(a) => return Ok(a),
            Plan::Get => return self.get(client, &shared, id, cancel).await,
            Plan::Wait(rx) => match wait(rx, cancel).await? {
                Notice::SingleGet => return self.get(client, &shared, id, cancel).await,
                Notice::Failed(e) => return Err(e),
                Notice::Ready(s) => s,
            },
        };
        // Changes this client made while the list was being fetched may be missing from it.
        let found = match lock(&self.state).touched.get(id) {
            Some(Touch::Deleted) => return Ok(None),
            Some(Touch::Changed) => None,
            None => snapshot.get(id).cloned(),
        };
        match found {
            Some(item) => Ok(Some(item)),
            None => self.get(client, &shared, id, cancel).await,
        }
    }

    fn plan_read(
        self: &Arc<Self>,
        st: &mut State<T>,
        client: &Client,
        settings: &CoalesceSettings,
        id: &str,
    ) -> Plan<T> {
        if let Phase::Ready { snapshot, taken } = &st.phase {
            if taken.elapsed() < settings.snapshot_max_age {
                return match snapshot.get(id) {
                    Some(item) => Plan::Answer(Some(item.clone())),
                    None => Plan::Get,
                };
            }
            st.phase = Phase::Idle;
        }
        let (tx, rx) = oneshot::channel();
        match &mut st.phase {
            Phase::Fetching(waiters) => waiters.push(tx),
            Phase::Gathering(waiters) => {
                waiters.push(tx);
                if waiters.len() > settings.few_reads {
                    self.start_fetch(st, client);
                }
            }
            Phase::Idle | Phase::Ready { .. } => {
                st.phase = Phase::Gathering(vec![tx]);
                if st.single_gets >= settings.single_get_budget {
                    self.start_fetch(st, client);
                } else {
                    st.window += 1;
                    tokio::spawn(self.clone().close_window(
                        client.clone(),
                        st.window,
                        settings.window,
                        settings.few_reads,
                    ));
                }
            }
        }
        Plan::Wait(rx)
    }

    /// The complete snapshot: the current one, or one fetched now (joining a fetch under way).
    async fn snapshot(self: &Arc<Self>, client: &Client, cancel: &CancellationToken) -> Result<Snapshot<T>, Error> {
        let max_age = client.shared().settings().snapshot_max_age;
        let rx = {
            let mut st = lock(&self.state);
            if let Phase::Ready { snapshot, taken } = &st.phase {
                if taken.elapsed() < max_age {
                    return Ok(snapshot.clone());
                }
                st.phase = Phase::Idle;
            }
            let (tx, rx) = oneshot::channel();
            match &mut st.phase {
                Phase::Fetching(waiters) => waiters.push(tx),
                Phase::Gathering(waiters) => {
                    waiters.push(tx);
                    self.start_fetch(&mut st, client);
                }
                Phase::Idle | Phase::Ready { .. } => {
                    st.phase = Phase::Gathering(vec![tx]);
                    self.start_fetch(&mut st, client);
                }
            }
            rx
        };
        match wait(rx, cancel).await? {
            Notice::Ready(s) => Ok(s),
            Notice::Failed(e) => Err(e),
            Notice::SingleGet => Err(Error::Protocol("the shared list was not fetched".into())),
        }
    }

    /// Whether `id` was touched by this client since the snapshot began.
    fn touched(&self, id: &str) -> bool {
        lock(&self.state).touched.contains_key(id)
    }

    /// The end of a gathering window: few readers → single `GET`s; many → (already) a fetch.
    async fn close_window(self: Arc<Self>, client: Client, window: u64, after: std::time::Duration, few: usize) {
        tokio::time::sleep(after).await;
        let mut st = lock(&self.state);
        if st.window != window {
            return;
        }
        let Phase::Gathering(waiters) = &mut st.phase else {
            return;
        };
        if waiters.len() > few {
            self.start_fetch(&mut st, &client);
            return;
        }
        let waiters = std::mem::take(waiters);
        st.phase = Phase::Idle;
        st.single_gets += waiters.len() as u64;
        for w in waiters {
            let _ = w.send(Notice::SingleGet);
        }
    }

    /// Turn the gathered readers into fetch waiters and fetch in a task of its own (so a reader
    /// that goes away cannot strand the others).
    fn start_fetch(self: &Arc<Self>, st: &mut State<T>, client: &Client) {
        let waiters = match std::mem::replace(&mut st.phase, Phase::Idle) {
            Phase::Gathering(w) | Phase::Fetching(w) => w,
            _ => Vec::new(),
        };
        st.phase = Phase::Fetching(waiters);
        st.window += 1;
        // Only changes made from now on can be missing from the list.
        st.touched.retain(|_, t| *t == Touch::Deleted);
        tokio::spawn(self.clone().fetch(client.clone()));
    }

    async fn fetch(self: Arc<Self>, client: Client) {
        let shared = client.shared();
        Counters::add(&shared.counters.snapshots, 1);
        let outcome = T::list_all(&client, &CancellationToken::new()).await;
        let mut st = lock(&self.state);
        let waiters = match std::mem::replace(&mut st.phase, Phase::Idle) {
            Phase::Fetching(w) => w,
            _ => Vec::new(),
        };
        match outcome {
            Ok(items) => {
                let snapshot: Snapshot<T> = Arc::new(items.into_iter().map(|i| (i.id().to_owned(), i)).collect());
                st.phase = Phase::Ready {
                    snapshot: snapshot.clone(),
                    taken: Instant::now(),
                };
                for w in waiters {
                    let _ = w.send(Notice::Ready(snapshot.clone()));
                }
            }
            Err(e) => {
                for w in waiters {
                    let _ = w.send(Notice::Failed(e.clone()));
                }
            }
        }
    }

    async fn get(
        &self,
        client: &Client,
        shared: &Shared,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<T>, Error> {
        Counters::add(&shared.counters.single_gets, 1);
        T::get_one(client, id, cancel).await
    }
}

async fn wait<T>(rx: oneshot::Receiver<Notice<T>>, cancel: &CancellationToken) -> Result<Notice<T>, Error> {
    tokio::select! {
        notice = rx => notice.map_err(|_| Error::Protocol("the shared list fetch stopped before answering".into())),
        _ = cancel.cancelled() => Err(Error::Cancelled { in_flight: false }),
    }
}

impl Client {
    /// One key by id, from the shared list snapshot when cheaper than a `GET` (see the module
    /// docs for when each is used). `None` when the key does not exist.
    pub async fn read_api_key_shared(&self, id: &str, cancel: &CancellationToken) -> Result<Option<ApiKey>, Error> {
        self.read_shared::<ApiKey>(id, cancel).await
    }

    /// One role by id, shared as for keys. A role from the list holds no `permission_keys`
    /// (read them with [`Client::get_role_permissions`]) and comes without an ETag.
    pub async fn read_role_shared(&self, id: &str, cancel: &CancellationToken) -> Result<Option<Role>, Error> {
        self.read_shared::<Role>(id, cancel).await
    }

    /// One account by id, shared as for keys.
    pub async fn read_account_shared(&self, id: &str, cancel: &CancellationToken) -> Result<Option<Account>, Error> {
        self.read_shared::<Account>(id, cancel).await
    }

    /// The role with exactly this name, from the role snapshot (fetched now if there is none; roles
    /// are few). A name missing from it, or a role this client changed since, is looked up afresh.
    pub async fn find_role_by_name_cached(
        &self,
        name: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<Role>, Error> {
        let shared = self.shared();
        if !shared.settings().enabled {
            return self.find_role_by_name(name, cancel).await;
        }
        let roles = shared.roles.clone();
        let snapshot = roles.snapshot(self, cancel).await?;
        match snapshot.values().find(|r| r.name == name) {
            Some(role) if !roles.touched(&role.id) => Ok(Some(role.clone())),
            _ => self.find_role_by_name(name, cancel).await,
        }
    }

    async fn read_shared<T: Listed>(&self, id: &str, cancel: &CancellationToken) -> Result<Option<T>, Error> {
        let list = T::cache(&self.shared()).clone();
        list.read(self, id, cancel).await
    }
}

/// The new calls run inside gRPC handlers: their futures must be `Send`.
#[cfg(test)]
#[allow(dead_code)]
fn assert_send_bounds(c: &Client, cancel: &CancellationToken, k: visionone_api::ApiKeyCreate) {
    fn send<T: Send>(_: T) {}
    send(c.create_api_key_coalesced(k, cancel));
    send(c.delete_api_key_coalesced("", cancel));
    send(c.read_api_key_shared("", cancel));
    send(c.read_role_shared("", cancel));
    send(c.read_account_shared("", cancel));
    send(c.find_role_by_name_cached("", cancel));
}

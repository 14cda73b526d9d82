//! Cases by id in process memory, for the lookup (`case(id)` without history), which partner systems
//! and the console call far more often than cases change.
//!
//! Every write of a case row goes through [`crate::repo`]'s case writer or the deadline recompute;
//! both drop the case here after their commit and, with Redis, tell every other process on one
//! channel. A process caches only while it hears that channel (subscribed, and pinged every few
//! seconds); when it loses it, it empties the cache and reads from the database until it is back.
//! A read that raced a write cannot store what it read: each shard counts its invalidations, and a
//! read stores its row only if the count did not move while it read. An invalidation that could not
//! be published goes out with the next one; entries also expire after [`TTL`], which bounds how long
//! another process could show a case whose change it has not heard of. Without Redis nothing tells
//! this process of another's writes (a second server or a CLI on the same database), so the cache
//! stays off.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use domain::case::Case;
use redis::aio::ConnectionManager;
use uuid::Uuid;

const SHARDS: usize = 16;
/// Entries per shard; a full shard drops its expired entries, then everything.
const SHARD_CAP: usize = 8_192;
/// How long an entry lives at most.
pub const TTL: Duration = Duration::from_secs(300);
/// Invalidations kept for the next publish while Redis cannot be reached; past this, the oldest go.
const UNSENT_CAP: usize = 65_536;
const PING: Duration = Duration::from_secs(3);

#[derive(Default)]
struct Shard {
    entries: HashMap<Uuid, (Arc<Case>, Instant)>,
    /// Invalidations so far; a read stores its row only if this did not move meanwhile.
    generation: u64,
}

/// A read's permission to store what it reads, if nothing in its shard changes meanwhile.
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    shard: usize,
    generation: u64,
}

pub struct CaseCache {
    shards: Vec<Mutex<Shard>>,
    hasher: RandomState,
    /// False while other processes' invalidations cannot be heard.
    live: AtomicBool,
    bus: OnceLock<Bus>,
    hits: AtomicU64,
    /// Ids whose invalidation has not reached Redis yet.
    unsent: Mutex<Vec<Uuid>>,
}

struct Bus {
    conn: ConnectionManager,
    channel: String,
}

impl Default for CaseCache {
    /// Off until [`CaseCache::follow`] hears the other processes.
    fn default() -> Self {
        CaseCache {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
            live: AtomicBool::new(false),
            bus: OnceLock::new(),
            hits: AtomicU64::new(0),
            unsent: Mutex::default(),
        }
    }
}

impl CaseCache {
    fn shard_of(&self, id: &Uuid) -> usize {
        (self.hasher.hash_one(id) as usize) % SHARDS
    }

    /// The cached case, if live and fresh.
    pub fn get(&self, id: Uuid) -> Option<Arc<Case>> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let shard = self.shards[self.shard_of(&id)].lock().ok()?;
        let found = shard.entries.get(&id).filter(|(_, at)| at.elapsed() < TTL).map(|(c, _)| c.clone());
        if found.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Lookups answered from memory since the start.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Taken before reading `id` from the database; None while the cache is not live.
    pub fn ticket(&self, id: Uuid) -> Option<Ticket> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let i = self.shard_of(&id);
        let generation = self.shards[i].lock().ok()?.generation;
        Some(Ticket { shard: i, generation })
    }

    /// Stores what a read found, unless its shard saw an invalidation since the ticket.
    pub fn put(&self, ticket: Ticket, case: &Case) {
        let Ok(mut shard) = self.shards[ticket.shard].lock() else { return };
        if shard.generation != ticket.generation || !self.live.load(Ordering::Acquire) {
            return;
        }
        if shard.entries.len() >= SHARD_CAP {
            shard.entries.retain(|_, (_, at)| at.elapsed() < TTL);
            if shard.entries.len() >= SHARD_CAP {
                shard.entries.clear();
            }
        }
        shard.entries.insert(case.id, (Arc::new(case.clone()), Instant::now()));
    }

    /// Drops `ids` here only.
    fn drop_local(&self, ids: &[Uuid]) {
        for id in ids {
            if let Ok(mut shard) = self.shards[self.shard_of(id)].lock() {
                shard.generation += 1;
                shard.entries.remove(id);
            }
        }
    }

    fn clear(&self) {
        for s in &self.shards {
            if let Ok(mut shard) = s.lock() {
                shard.generation += 1;
                shard.entries.clear();
            }
        }
    }

    /// After a commit that changed these cases: drops them here and tells the other processes.
    pub async fn invalidate(&self, ids: &[Uuid]) {
        if ids.is_empty() {
            return;
        }
        self.drop_local(ids);
        self.publish(ids).await;
    }

    /// Tells the other processes of `ids` and of whatever could not be published before.
    async fn publish(&self, ids: &[Uuid]) {
        let Some(bus) = self.bus.get() else { return };
        let mut all = self.unsent.lock().map(|mut u| std::mem::take(&mut *u)).unwrap_or_default();
        all.extend_from_slice(ids);
        let payload = all.iter().map(Uuid::to_string).collect::<Vec<_>>().join(" ");
        let mut c = bus.conn.clone();
        let sent: redis::RedisResult<i64> =
            redis::cmd("PUBLISH").arg(&bus.channel).arg(payload).query_async(&mut c).await;
        if let Err(e) = sent {
            // A process that cannot hear this either has lost the channel and emptied its cache, or
            // hears it with the next invalidation this process publishes.
            tracing::warn!(error = %e, "case cache: invalidation not published; kept for the next one");
            if let Ok(mut u) = self.unsent.lock() {
                u.extend(all);
                let over = u.len().saturating_sub(UNSENT_CAP);
                u.drain(..over);
            }
        }
    }

    /// Shares invalidations with the other processes through Redis: the cache is live only while
    /// this process is subscribed.
    pub fn follow(self: &Arc<Self>, client: redis::Client, conn: ConnectionManager, prefix: &str) {
        let channel = format!("{prefix}cases:changed");
        if self.bus.set(Bus { conn, channel: channel.clone() }).is_err() {
            return;
        }
        self.clear();
        tokio::spawn(subscribe(Arc::downgrade(self), client, channel));
    }

    /// Whether lookups are answered from memory now (subscribed to the invalidations).
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }
}

async fn subscribe(cache: std::sync::Weak<CaseCache>, client: redis::Client, channel: String) {
    use futures::StreamExt;
    let mut backoff = Duration::from_millis(200);
    loop {
        let Some(c) = cache.upgrade() else { return };
        c.live.store(false, Ordering::Release);
        c.clear();
        drop(c);
        let attempt = async {
            let (mut sink, stream) = client.get_async_pubsub().await?.split();
            sink.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>((sink, stream))
        };
        let (mut sink, mut stream) = match tokio::time::timeout(Duration::from_secs(5), attempt).await {
            Ok(Ok(parts)) => parts,
            _ => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        backoff = Duration::from_millis(200);
        match cache.upgrade() {
            // Anything missed before the subscription stood is gone with the clear above.
            Some(c) => c.live.store(true, Ordering::Release),
            None => return,
        }
        let mut ping = tokio::time::interval(PING);
        ping.tick().await;
        loop {
            tokio::select! {
                msg = stream.next() => match msg {
                    Some(msg) => {
                        let Some(c) = cache.upgrade() else { return };
                        match msg.get_payload::<String>() {
                            Ok(p) => {
                                let ids: Vec<Uuid> = p.split(' ').filter_map(|s| s.parse().ok()).collect();
                                c.drop_local(&ids);
                            }
                            Err(_) => c.clear(),
                        }
                    }
                    None => break,
                },
                _ = ping.tick() => {
                    if cache.strong_count() == 0 {
                        return;
                    }
                    if !crate::bus::still_subscribed(&mut sink, PING).await {
                        break;
                    }
                    if let Some(c) = cache.upgrade()
                        && c.unsent.lock().is_ok_and(|u| !u.is_empty())
                    {
                        c.publish(&[]).await;
                    }
                }
            }
        }
        tracing::debug!("case cache: subscription lost; reading from the database until it is back");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn acl(conn: &mut ConnectionManager, args: &[&str]) {
        let done: redis::RedisResult<redis::Value> = redis::cmd("ACL").arg(args).query_async(conn).await;
        done.expect("ACL");
    }

    async fn until(what: &str, ok: impl Fn() -> bool) {
        for _ in 0..100 {
            if ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{what}: not within 5 s");
    }

    /// The process whose publish Redis refuses keeps the ids, and its next publish carries them: the
    /// other process drops that case then.
    #[tokio::test]
    async fn an_invalidation_redis_refused_goes_out_with_the_next() {
        let Ok(url) = std::env::var("TONGBAN_TEST_REDIS_URL") else {
            eprintln!("TONGBAN_TEST_REDIS_URL not set; the case cache's bus is tested in the PostgreSQL + Redis pass");
            return;
        };
        let admin = redis::Client::open(url.as_str()).expect("client");
        let mut admin_conn = ConnectionManager::new(admin.clone()).await.expect("connection");
        // A user who may subscribe but not publish, until granted (the test URL carries no credentials).
        let user = format!("tongban-test-{}", Uuid::new_v4().simple());
        acl(&mut admin_conn, &["SETUSER", &user, "on", ">unsent-test", "~*", "&*", "+@all", "-publish"]).await;
        let muted_url = url.replacen("redis://", &format!("redis://{user}:unsent-test@"), 1);
        let muted = redis::Client::open(muted_url.as_str()).expect("client");

        let channel_prefix = format!("test:{}:", Uuid::new_v4());
        let (a, b) = (Arc::new(CaseCache::default()), Arc::new(CaseCache::default()));
        a.follow(muted.clone(), ConnectionManager::new(muted).await.expect("connection"), &channel_prefix);
        b.follow(admin, admin_conn.clone(), &channel_prefix);
        until("both caches live", || a.is_live() && b.is_live()).await;

        let id = Uuid::new_v4();
        // Another case in another of b's shards, so that its own invalidation cannot pass for id's.
        let other = std::iter::repeat_with(Uuid::new_v4).find(|o| b.shard_of(o) != b.shard_of(&id)).expect("an id");
        let before = b.ticket(id).expect("b is live");
        let generation = |c: &CaseCache, t: Ticket| c.shards[t.shard].lock().expect("shard").generation;

        a.invalidate(&[id]).await;
        assert_eq!(*a.unsent.lock().expect("unsent"), [id], "refused, and kept");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(generation(&b, before), before.generation, "b heard nothing");

        acl(&mut admin_conn, &["SETUSER", &user, "+publish"]).await;
        a.invalidate(&[other]).await;
        assert!(a.unsent.lock().expect("unsent").is_empty(), "sent");
        until("b drops the case a could not tell it of", || generation(&b, before) != before.generation).await;
        acl(&mut admin_conn, &["DELUSER", &user]).await;
    }
}

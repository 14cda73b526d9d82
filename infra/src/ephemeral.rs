//! Short-lived shared state: rate-limit counters and revoked tokens. Redis when configured,
//! process memory otherwise; if Redis fails while serving, memory carries on (degraded).
//!
//! Revocations are also mirrored in every process: a revoking process publishes the id, the others
//! hold a subscription (checked by a ping every few seconds) and, while it stands, answer
//! `is_revoked` from memory without a round trip. When the subscription is down they ask Redis.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::ports::Ephemeral;
use domain::{Error, Result};
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::Mutex;

/// Counters and flags with expiry, in process memory.
#[derive(Default)]
pub struct MemoryEphemeral {
    entries: Mutex<HashMap<String, (u64, Instant)>>,
}

impl MemoryEphemeral {
    async fn incr(&self, key: &str, window: Duration) -> (u64, Duration) {
        let now = Instant::now();
        let mut map = self.entries.lock().await;
        if map.len() > 100_000 {
            map.retain(|_, (_, exp)| *exp > now);
        }
        let e = map.entry(key.to_owned()).or_insert((0, now + window));
        if e.1 <= now {
            *e = (0, now + window);
        }
        e.0 += 1;
        (e.0, e.1.saturating_duration_since(now))
    }
}

fn limited(count: u64, limit: u32, ttl: Duration) -> Result<()> {
    if count > u64::from(limit) { Err(Error::RateLimited { retry_after_secs: ttl.as_secs().max(1) }) } else { Ok(()) }
}

#[async_trait]
impl Ephemeral for MemoryEphemeral {
    async fn rate_limit(&self, key: &str, limit: u32, window: Duration) -> Result<()> {
        let (count, ttl) = self.incr(key, window).await;
        limited(count, limit, ttl)
    }

    async fn check_limit(&self, key: &str, limit: u32) -> Result<()> {
        let now = Instant::now();
        match self.entries.lock().await.get(key) {
            Some((count, exp)) if *exp > now => limited(count + 1, limit, exp.saturating_duration_since(now)),
            _ => Ok(()),
        }
    }

    async fn reset(&self, key: &str) -> Result<()> {
        self.entries.lock().await.remove(key);
        Ok(())
    }

    async fn revoke(&self, id: &str, at_ms: i64, ttl: Duration) -> Result<()> {
        let now = Instant::now();
        let mut map = self.entries.lock().await;
        let e = map.entry(format!("revoked:{id}")).or_insert((0, now));
        // The later revocation covers the earlier one, for the longer of the two lifetimes.
        *e = (e.0.max(at_ms.max(0) as u64), e.1.max(now + ttl));
        Ok(())
    }

    async fn is_revoked(&self, ids: &[String], issued_ms: i64) -> Result<bool> {
        let map = self.entries.lock().await;
        let now = Instant::now();
        Ok(ids
            .iter()
            .any(|id| map.get(&format!("revoked:{id}")).is_some_and(|(at, exp)| *exp > now && *at as i64 >= issued_ms)))
    }
}

/// Redis-backed, with memory as the fallback while Redis is unreachable.
pub struct RedisEphemeral {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: String,
    fallback: Arc<MemoryEphemeral>,
    healthy: Arc<AtomicBool>,
    mirror: Arc<AtomicBool>,
}

/// How often the revocation subscription is checked; a failed check turns the mirror off.
const MIRROR_PING: Duration = Duration::from_secs(3);

impl RedisEphemeral {
    /// Connects at start-up; an unreachable Redis at start is an error, later it only degrades.
    pub async fn connect(url: &str, prefix: &str) -> std::result::Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("Redis 地址无效：{e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(1);
        let conn =
            tokio::time::timeout(Duration::from_secs(5), ConnectionManager::new_with_config(client.clone(), config))
                .await
                .map_err(|_| "连接 Redis 超时".to_owned())?
                .map_err(|e| format!("无法连接 Redis：{e}"))?;
        let eph = RedisEphemeral {
            client: client.clone(),
            conn,
            prefix: prefix.to_owned(),
            fallback: Arc::new(MemoryEphemeral::default()),
            healthy: Arc::new(AtomicBool::new(true)),
            mirror: Arc::new(AtomicBool::new(false)),
        };
        tokio::spawn(mirror_revocations(
            client,
            eph.conn.clone(),
            prefix.to_owned(),
            Arc::downgrade(&eph.fallback),
            eph.mirror.clone(),
        ));
        Ok(eph)
    }

    /// Whether revocation checks are answered from the process's mirror.
    pub fn mirrored(&self) -> bool {
        self.mirror.load(Ordering::Relaxed)
    }

    fn channel(prefix: &str) -> String {
        format!("{prefix}revocations")
    }

    pub fn healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Pings Redis and records the outcome.
    pub async fn check(&self) -> bool {
        let mut c = self.conn.clone();
        let ok = redis::cmd("PING").query_async::<String>(&mut c).await.is_ok();
        self.healthy.store(ok, Ordering::Relaxed);
        ok
    }

    /// For subscriptions of other parts (the case cache's invalidations).
    pub fn client(&self) -> redis::Client {
        self.client.clone()
    }

    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    pub fn key(&self, k: &str) -> String {
        format!("{}{}", self.prefix, k)
    }

    fn degrade(&self, e: &redis::RedisError) {
        if self.healthy.swap(false, Ordering::Relaxed) {
            tracing::warn!(error = %e, "Redis unavailable; using in-process state");
        }
    }

    fn recover(&self) {
        if !self.healthy.swap(true, Ordering::Relaxed) {
            tracing::info!("Redis available again");
        }
    }
}

#[async_trait]
impl Ephemeral for RedisEphemeral {
    async fn rate_limit(&self, key: &str, limit: u32, window: Duration) -> Result<()> {
        let k = self.key(key);
        let mut c = self.conn.clone();
        let res: redis::RedisResult<(u64, i64)> = redis::pipe()
            .atomic()
            .incr(&k, 1u64)
            .cmd("EXPIRE")
            .arg(&k)
            .arg(window.as_secs().max(1))
            .arg("NX")
            .ignore()
            .ttl(&k)
            .query_async(&mut c)
            .await;
        match res {
            Ok((count, ttl)) => {
                self.recover();
                limited(count, limit, Duration::from_secs(ttl.max(1) as u64))
            }
            Err(e) => {
                self.degrade(&e);
                self.fallback.rate_limit(key, limit, window).await
            }
        }
    }

    async fn check_limit(&self, key: &str, limit: u32) -> Result<()> {
        let k = self.key(key);
        let mut c = self.conn.clone();
        let res: redis::RedisResult<(Option<u64>, i64)> = redis::pipe().get(&k).ttl(&k).query_async(&mut c).await;
        match res {
            Ok((count, ttl)) => {
                self.recover();
                limited(count.unwrap_or(0) + 1, limit, Duration::from_secs(ttl.max(1) as u64))
            }
            Err(e) => {
                self.degrade(&e);
                self.fallback.check_limit(key, limit).await
            }
        }
    }

    async fn reset(&self, key: &str) -> Result<()> {
        let mut c = self.conn.clone();
        if let Err(e) = c.del::<_, ()>(self.key(key)).await {
            self.degrade(&e);
        }
        self.fallback.reset(key).await
    }

    async fn revoke(&self, id: &str, at_ms: i64, ttl: Duration) -> Result<()> {
        self.fallback.revoke(id, at_ms, ttl).await?;
        let mut c = self.conn.clone();
        let secs = ttl.as_secs().max(1);
        let res: redis::RedisResult<()> = redis::pipe()
            .set_ex(self.key(&format!("revoked:{id}")), at_ms, secs)
            .ignore()
            .publish(Self::channel(&self.prefix), format!("{secs} {at_ms} {id}"))
            .ignore()
            .query_async(&mut c)
            .await;
        if let Err(e) = res {
            self.degrade(&e);
        }
        Ok(())
    }

    async fn is_revoked(&self, ids: &[String], issued_ms: i64) -> Result<bool> {
        if ids.is_empty() {
            return Ok(false);
        }
        if self.fallback.is_revoked(ids, issued_ms).await? {
            return Ok(true);
        }
        if self.mirrored() {
            return Ok(false);
        }
        let mut c = self.conn.clone();
        let keys: Vec<String> = ids.iter().map(|id| self.key(&format!("revoked:{id}"))).collect();
        match redis::cmd("MGET").arg(keys).query_async::<Vec<Option<String>>>(&mut c).await {
            Ok(values) => {
                self.recover();
                Ok(values.iter().flatten().any(|v| revoked_at(v) >= issued_ms))
            }
            Err(e) => {
                self.degrade(&e);
                Ok(false)
            }
        }
    }
}

/// The revocation time stored in Redis, in Unix milliseconds. A value that is not one (an older
/// release stored `1`) revokes every token of the id.
fn revoked_at(value: &str) -> i64 {
    match value.parse::<i64>() {
        Ok(ms) if ms >= 1_000_000_000_000 => ms,
        _ => i64::MAX,
    }
}

/// Keeps `mirror` on while a subscription to the revocation channel stands, and copies every
/// revocation into `into`: subscribe first, then load what Redis already holds, then follow.
async fn mirror_revocations(
    client: redis::Client,
    conn: ConnectionManager,
    prefix: String,
    into: Weak<MemoryEphemeral>,
    mirror: Arc<AtomicBool>,
) {
    use futures::StreamExt;
    let channel = RedisEphemeral::channel(&prefix);
    let mut backoff = Duration::from_millis(200);
    loop {
        mirror.store(false, Ordering::Relaxed);
        if into.strong_count() == 0 {
            return;
        }
        let attempt = async {
            let (mut sink, stream) = client.get_async_pubsub().await?.split();
            sink.subscribe(&channel).await?;
            load_revocations(conn.clone(), &prefix, &into).await?;
            Ok::<_, redis::RedisError>((sink, stream))
        };
        let (mut sink, mut stream) = match tokio::time::timeout(Duration::from_secs(5), attempt).await {
            Ok(Ok(parts)) => parts,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "revocation mirror: subscription failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
            Err(_) => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        backoff = Duration::from_millis(200);
        mirror.store(true, Ordering::Relaxed);
        let mut ping = tokio::time::interval(MIRROR_PING);
        ping.tick().await;
        loop {
            tokio::select! {
                msg = stream.next() => match msg {
                    Some(msg) => {
                        let Some(target) = into.upgrade() else { return };
                        if let Ok(payload) = msg.get_payload::<String>()
                            && let Some((secs, rest)) = payload.split_once(' ')
                            && let Some((at, id)) = rest.split_once(' ')
                            && let Ok(secs) = secs.parse::<u64>()
                        {
                            let _ = target.revoke(id, revoked_at(at), Duration::from_secs(secs)).await;
                        }
                    }
                    None => break,
                },
                _ = ping.tick() => {
                    if into.strong_count() == 0 {
                        return;
                    }
                    if !crate::bus::still_subscribed(&mut sink, MIRROR_PING).await {
                        break;
                    }
                }
            }
        }
        tracing::debug!("revocation mirror: subscription lost, checking Redis per request until it is back");
    }
}

/// Copies the revocations Redis holds now into memory, with their remaining lifetimes.
async fn load_revocations(
    mut c: ConnectionManager,
    prefix: &str,
    into: &Weak<MemoryEphemeral>,
) -> redis::RedisResult<()> {
    let pattern = format!("{prefix}revoked:*");
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut c)
            .await?;
        if !keys.is_empty() {
            let mut pipe = redis::pipe();
            for k in &keys {
                pipe.pttl(k).get(k);
            }
            let found: Vec<(i64, Option<String>)> = pipe.query_async(&mut c).await?;
            let Some(target) = into.upgrade() else { return Ok(()) };
            for (k, (ms, at)) in keys.iter().zip(found) {
                if ms > 0
                    && let Some(at) = at
                    && let Some(id) = k.strip_prefix(&pattern[..pattern.len() - 1])
                {
                    let _ = target.revoke(id, revoked_at(&at), Duration::from_millis(ms as u64)).await;
                }
            }
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_revocation_times_and_old_flags() {
        assert_eq!(revoked_at("1800000000000"), 1_800_000_000_000);
        assert_eq!(revoked_at("1"), i64::MAX);
        assert_eq!(revoked_at("x"), i64::MAX);
    }

    #[tokio::test]
    async fn memory_limits_and_resets() {
        let m = MemoryEphemeral::default();
        let w = Duration::from_secs(60);
        for _ in 0..3 {
            assert!(m.rate_limit("k", 3, w).await.is_ok());
        }
        assert_eq!(m.rate_limit("k", 3, w).await.map_err(|e| e.code()), Err("RATE_LIMITED"));
        m.reset("k").await.expect("reset");
        assert!(m.rate_limit("k", 3, w).await.is_ok());
        const T: i64 = 1_800_000_000_000;
        m.revoke("j", T, w).await.expect("revoke");
        assert!(m.is_revoked(&["j".into()], T).await.expect("check"));
        assert!(m.is_revoked(&["other".into(), "j".into()], T - 1).await.expect("check"));
        assert!(!m.is_revoked(&["other".into()], T).await.expect("check"));
        // Tokens issued after the revocation are valid; an earlier revocation does not undo a later one.
        assert!(!m.is_revoked(&["j".into()], T + 1).await.expect("check"));
        m.revoke("j", T - 5_000, w).await.expect("revoke");
        assert!(m.is_revoked(&["j".into()], T).await.expect("check"));
    }
}

#[cfg(test)]
mod redis_tests {
    use super::*;

    /// A revocation made by one process reaches another's mirror, which then answers from memory.
    #[tokio::test]
    async fn revocations_reach_every_process() {
        let Ok(url) = std::env::var("TONGBAN_TEST_REDIS_URL") else {
            eprintln!("TONGBAN_TEST_REDIS_URL not set; the revocation mirror is tested in the PostgreSQL + Redis pass");
            return;
        };
        let prefix = format!("test:{}:", uuid::Uuid::new_v4());
        // One revocation made before the second process starts: it is loaded, not heard.
        let a = RedisEphemeral::connect(&url, &prefix).await.expect("connect a");
        const T: i64 = 1_800_000_000_000;
        a.revoke("early", T, Duration::from_secs(60)).await.expect("revoke");
        let b = RedisEphemeral::connect(&url, &prefix).await.expect("connect b");
        wait_until(|| a.mirrored() && b.mirrored()).await;
        assert!(b.is_revoked(&["early".into()], T).await.expect("check"));
        assert!(!b.is_revoked(&["early".into()], T + 1).await.expect("check"));

        a.revoke("late", T, Duration::from_secs(60)).await.expect("revoke");
        let mut heard = false;
        for _ in 0..100 {
            if b.fallback.is_revoked(&["late".into()], T).await.expect("memory") {
                heard = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(heard, "the second process never heard of the revocation");
        assert!(b.is_revoked(&["late".into()], T).await.expect("check"));
        assert!(!b.is_revoked(&["late".into()], T + 1).await.expect("check"));
        assert!(!b.is_revoked(&["other".into()], T).await.expect("check"));
    }

    async fn wait_until(ok: impl Fn() -> bool) {
        for _ in 0..250 {
            if ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the revocation mirror did not come up");
    }
}

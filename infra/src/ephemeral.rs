//! Short-lived shared state: rate-limit counters and revoked tokens. Redis when configured,
//! process memory otherwise; if Redis fails while serving, memory carries on (degraded).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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

    async fn reset(&self, key: &str) -> Result<()> {
        self.entries.lock().await.remove(key);
        Ok(())
    }

    async fn revoke(&self, jti: &str, ttl: Duration) -> Result<()> {
        self.entries.lock().await.insert(format!("revoked:{jti}"), (1, Instant::now() + ttl));
        Ok(())
    }

    async fn is_revoked(&self, ids: &[String]) -> Result<bool> {
        let map = self.entries.lock().await;
        let now = Instant::now();
        Ok(ids.iter().any(|id| map.get(&format!("revoked:{id}")).is_some_and(|(_, exp)| *exp > now)))
    }
}

/// Redis-backed, with memory as the fallback while Redis is unreachable.
pub struct RedisEphemeral {
    conn: ConnectionManager,
    prefix: String,
    fallback: MemoryEphemeral,
    healthy: Arc<AtomicBool>,
}

impl RedisEphemeral {
    /// Connects at start-up; an unreachable Redis at start is an error, later it only degrades.
    pub async fn connect(url: &str, prefix: &str) -> std::result::Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("Redis 地址无效：{e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(1);
        let conn = tokio::time::timeout(Duration::from_secs(5), ConnectionManager::new_with_config(client, config))
            .await
            .map_err(|_| "连接 Redis 超时".to_owned())?
            .map_err(|e| format!("无法连接 Redis：{e}"))?;
        Ok(RedisEphemeral {
            conn,
            prefix: prefix.to_owned(),
            fallback: MemoryEphemeral::default(),
            healthy: Arc::new(AtomicBool::new(true)),
        })
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

    async fn reset(&self, key: &str) -> Result<()> {
        let mut c = self.conn.clone();
        if let Err(e) = c.del::<_, ()>(self.key(key)).await {
            self.degrade(&e);
        }
        self.fallback.reset(key).await
    }

    async fn revoke(&self, jti: &str, ttl: Duration) -> Result<()> {
        self.fallback.revoke(jti, ttl).await?;
        let mut c = self.conn.clone();
        if let Err(e) = c.set_ex::<_, _, ()>(self.key(&format!("revoked:{jti}")), 1, ttl.as_secs().max(1)).await {
            self.degrade(&e);
        }
        Ok(())
    }

    async fn is_revoked(&self, ids: &[String]) -> Result<bool> {
        if ids.is_empty() {
            return Ok(false);
        }
        if self.fallback.is_revoked(ids).await? {
            return Ok(true);
        }
        let mut c = self.conn.clone();
        let keys: Vec<String> = ids.iter().map(|id| self.key(&format!("revoked:{id}"))).collect();
        match c.exists::<_, u64>(keys).await {
            Ok(n) => {
                self.recover();
                Ok(n > 0)
            }
            Err(e) => {
                self.degrade(&e);
                Ok(false)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        m.revoke("j", w).await.expect("revoke");
        assert!(m.is_revoked(&["j".into()]).await.expect("check"));
        assert!(m.is_revoked(&["other".into(), "j".into()]).await.expect("check"));
        assert!(!m.is_revoked(&["other".into()]).await.expect("check"));
    }
}

//! The cache port: Redis (with the configured key prefix) when configured, process memory
//! otherwise. If Redis fails while serving, memory carries on (degraded), like `ephemeral`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::ports::Cache;
use redis::AsyncCommands;
use tokio::sync::Mutex;

use crate::ephemeral::RedisEphemeral;

const MAX_ENTRIES: usize = 50_000;

/// Values with expiry in process memory.
#[derive(Default)]
pub struct MemoryCache {
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Option<String> {
        let map = self.entries.lock().await;
        map.get(key).filter(|(_, exp)| *exp > Instant::now()).map(|(v, _)| v.clone())
    }

    async fn put(&self, key: &str, value: &str, ttl: Duration) {
        let now = Instant::now();
        let mut map = self.entries.lock().await;
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, exp)| *exp > now);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(key.to_owned(), (value.to_owned(), now + ttl));
    }

    async fn delete(&self, keys: &[String]) {
        let mut map = self.entries.lock().await;
        for k in keys {
            map.remove(k);
        }
    }
}

/// Redis-backed, sharing the ephemeral store's connection and prefix.
pub struct RedisCache {
    redis: Arc<RedisEphemeral>,
    fallback: MemoryCache,
}

impl RedisCache {
    pub fn new(redis: Arc<RedisEphemeral>) -> Self {
        RedisCache { redis, fallback: MemoryCache::default() }
    }

    fn failed(&self, e: &redis::RedisError) {
        tracing::warn!(error = %e, "Redis cache unavailable; using in-process cache");
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Option<String> {
        let mut c = self.redis.connection();
        match c.get::<_, Option<String>>(self.redis.key(key)).await {
            Ok(v) => v,
            Err(e) => {
                self.failed(&e);
                self.fallback.get(key).await
            }
        }
    }

    async fn put(&self, key: &str, value: &str, ttl: Duration) {
        let mut c = self.redis.connection();
        if let Err(e) = c.set_ex::<_, _, ()>(self.redis.key(key), value, ttl.as_secs().max(1)).await {
            self.failed(&e);
            self.fallback.put(key, value, ttl).await;
        }
    }

    async fn delete(&self, keys: &[String]) {
        self.fallback.delete(keys).await;
        if keys.is_empty() {
            return;
        }
        let mut c = self.redis.connection();
        let full: Vec<String> = keys.iter().map(|k| self.redis.key(k)).collect();
        if let Err(e) = c.del::<_, ()>(full).await {
            self.failed(&e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_cache_expires_and_deletes() {
        let c = MemoryCache::default();
        c.put("a", "1", Duration::from_secs(60)).await;
        c.put("b", "2", Duration::from_millis(1)).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(c.get("a").await.as_deref(), Some("1"));
        assert_eq!(c.get("b").await, None);
        c.delete(&["a".to_owned()]).await;
        assert_eq!(c.get("a").await, None);
    }
}

//! The outbox worker (跨省通办): delivers messages for partner deployments, written in the
//! transaction of the step that owes them, by calling the partner's GraphQL API with a service
//! account there. At least once: a message is claimed with a lease (on PostgreSQL rows are claimed
//! with `FOR UPDATE SKIP LOCKED`, so several servers share the outbox without sending one message
//! twice at once), marked done after the partner answered, else retried with exponential backoff
//! and jitter, and parked after the configured attempts. The partner deduplicates by sender and
//! key, so the effect is exactly once.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use domain::partner::{Backoff, OutboxStatus, Partner, TOPIC_STATUS, TOPIC_SUBMIT, partner_for};
use domain::region::RegionCode;
use domain::tenant::Scope;
use domain::{Error, Result};
use rand::Rng;
use sea_orm::{ConnectionTrait, DbBackend, Value};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::db::{commit, internal, stmt};
use crate::partner::PartnerStore;

/// Delivery counters, read by /metrics.
#[derive(Debug, Default)]
pub struct OutboxCounters {
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
    pub parked: AtomicU64,
}

/// Worker tunables.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    pub backoff: Backoff,
    /// How long a claimed message is leased to this worker.
    pub lease: Duration,
    /// Messages claimed at once.
    pub batch: u64,
    /// Pause when nothing is due.
    pub idle: Duration,
    /// One request to a partner.
    pub timeout: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            backoff: Backoff::default(),
            lease: Duration::from_secs(12),
            batch: 50,
            idle: Duration::from_millis(100),
            timeout: Duration::from_secs(5),
        }
    }
}

/// A claimed message.
#[derive(Debug, Clone)]
struct Claimed {
    id: String,
    topic: String,
    payload: Json,
    attempts: i32,
}

/// What a delivery attempt came to.
enum Outcome {
    Delivered,
    /// Worth retrying (network, 5xx, the partner's internal errors).
    Retry(String),
    /// Refused for good (invalid, forbidden, conflicting): parked at once.
    Refused(String),
}

pub struct OutboxWorker {
    store: PartnerStore,
    http: reqwest::Client,
    settings: WorkerSettings,
    pub counters: Arc<OutboxCounters>,
    /// Access tokens at partners, by partner id, with when they were got.
    tokens: tokio::sync::Mutex<HashMap<Uuid, (String, Instant)>>,
}

/// Tokens are reused for this long (access tokens live 15 minutes by default).
const TOKEN_REUSE: Duration = Duration::from_secs(300);

impl OutboxWorker {
    pub fn new(store: PartnerStore, settings: WorkerSettings, counters: Arc<OutboxCounters>) -> Result<OutboxWorker> {
        let http = reqwest::Client::builder().timeout(settings.timeout).build().map_err(Error::internal)?;
        Ok(OutboxWorker { store, http, settings, counters, tokens: tokio::sync::Mutex::new(HashMap::new()) })
    }

    /// Delivers until the process ends.
    pub async fn run(self: Arc<Self>) {
        loop {
            match self.round().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, detail = ?e, "outbox round failed"),
            }
            tokio::time::sleep(self.settings.idle).await;
        }
    }

    /// Claims due messages and tries each once; how many were claimed.
    pub async fn round(&self) -> Result<usize> {
        let claimed = self.claim().await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let partners = match self.store.with_secrets().await {
            Ok(p) => p,
            Err(e) => {
                for m in &claimed {
                    self.settle(m, Outcome::Retry(e.to_string())).await?;
                }
                return Ok(claimed.len());
            }
        };
        let partners = Arc::new(partners);
        let n = claimed.len();
        let tasks = claimed.into_iter().map(|m| {
            let partners = partners.clone();
            async move {
                let outcome = self.deliver(&partners, &m).await;
                self.settle(&m, outcome).await
            }
        });
        for r in futures::future::join_all(tasks).await {
            r?;
        }
        Ok(n)
    }

    async fn claim(&self) -> Result<Vec<Claimed>> {
        let db = &self.store.db;
        let b = db.backend();
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::seconds(60));
        let lock = if b == DbBackend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE outbox SET leased_until = ?, attempts = attempts + 1 WHERE id IN (\
             SELECT id FROM outbox WHERE status = 'PENDING' AND next_attempt_at <= ? \
             AND (leased_until IS NULL OR leased_until < ?) ORDER BY next_attempt_at LIMIT ?{lock}) \
             RETURNING id, topic, payload_json, attempts"
        );
        let batch = i64::try_from(self.settings.batch).unwrap_or(50);
        let values: Vec<Value> = vec![until.into(), now.into(), now.into(), batch.into()];
        let tx = db.begin(&Scope::All).await?;
        // A read first: an idle outbox takes no write lock.
        let due = "SELECT id FROM outbox WHERE status = 'PENDING' AND next_attempt_at <= ? LIMIT 1";
        if tx.query_one_raw(stmt(b, due, vec![now.into()])).await.map_err(internal)?.is_none() {
            commit(tx).await?;
            return Ok(Vec::new());
        }
        let rows = tx.query_all_raw(stmt(b, &sql, values)).await.map_err(internal)?;
        commit(tx).await?;
        rows.iter()
            .map(|r| {
                let payload: String = r.try_get("", "payload_json").map_err(internal)?;
                Ok(Claimed {
                    id: r.try_get("", "id").map_err(internal)?,
                    topic: r.try_get("", "topic").map_err(internal)?,
                    payload: serde_json::from_str(&payload).map_err(Error::internal)?,
                    attempts: r.try_get("", "attempts").map_err(internal)?,
                })
            })
            .collect()
    }

    /// Records the outcome of an attempt.
    async fn settle(&self, m: &Claimed, outcome: Outcome) -> Result<()> {
        let db = &self.store.db;
        let b = db.backend();
        let now = Utc::now();
        let (status, error, next) = match outcome {
            Outcome::Delivered => {
                self.counters.delivered.fetch_add(1, Ordering::Relaxed);
                (OutboxStatus::Done, None, now)
            }
            Outcome::Retry(e) => {
                self.counters.failed.fetch_add(1, Ordering::Relaxed);
                let backoff = self.settings.backoff;
                if backoff.parks(m.attempts) {
                    self.counters.parked.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(id = %m.id, attempts = m.attempts, error = %e, "outbox message parked");
                    (OutboxStatus::Parked, Some(e), now)
                } else {
                    let delay = backoff.delay_ms(m.attempts, rand::rng().random::<f64>());
                    let delay = i64::try_from(delay).unwrap_or(i64::MAX / 2);
                    (OutboxStatus::Pending, Some(e), now + chrono::Duration::milliseconds(delay))
                }
            }
            Outcome::Refused(e) => {
                self.counters.failed.fetch_add(1, Ordering::Relaxed);
                self.counters.parked.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(id = %m.id, error = %e, "outbox message refused by the partner, parked");
                (OutboxStatus::Parked, Some(e), now)
            }
        };
        let error = error.map(|e| e.chars().take(1000).collect::<String>());
        let sql = "UPDATE outbox SET status = ?, last_error = ?, next_attempt_at = ?, leased_until = NULL WHERE id = ?";
        let values: Vec<Value> = vec![status.as_str().into(), error.into(), next.into(), m.id.clone().into()];
        let tx = db.begin(&Scope::All).await?;
        tx.execute_raw(stmt(b, sql, values)).await.map_err(internal)?;
        commit(tx).await
    }

    async fn deliver(&self, partners: &[(Partner, String)], m: &Claimed) -> Outcome {
        let (mutation, field) = match m.topic.as_str() {
            TOPIC_SUBMIT => (
                "mutation($input: RemoteTransferInput!) { submitRemoteTransfer(input: $input) { id status } }",
                "submitRemoteTransfer",
            ),
            TOPIC_STATUS => (
                "mutation($input: TransferStatusReport!) { reportTransferStatus(input: $input) { id status } }",
                "reportTransferStatus",
            ),
            other => return Outcome::Refused(format!("未知的消息类型 {other}")),
        };
        let Some(route) = m.payload["route"].as_str().and_then(|r| RegionCode::parse(r).ok()) else {
            return Outcome::Refused("消息缺少目标区划".into());
        };
        let list: Vec<Partner> = partners.iter().map(|(p, _)| p.clone()).collect();
        let Some(partner) = partner_for(&list, &route) else {
            return Outcome::Retry(format!("未登记服务区划 {route} 的合作方"));
        };
        let secret = partners.iter().find(|(p, _)| p.id == partner.id).map(|(_, s)| s.as_str()).unwrap_or_default();
        let token = match self.token(partner, secret).await {
            Ok(t) => t,
            Err(o) => return o,
        };
        let body = json!({ "query": mutation, "variables": { "input": m.payload["input"] } });
        match self.post(partner, Some(&token), &body, field).await {
            // A refused or expired token is got afresh next time.
            Outcome::Refused(e) if e.starts_with("UNAUTHENTICATED") => {
                self.tokens.lock().await.remove(&partner.id);
                Outcome::Retry(e)
            }
            o => o,
        }
    }

    /// The access token at `partner`: one login at a time, so that a batch of deliveries logs in
    /// once (partners limit logins per client).
    async fn token(&self, partner: &Partner, secret: &str) -> std::result::Result<String, Outcome> {
        let mut tokens = self.tokens.lock().await;
        if let Some((t, at)) = tokens.get(&partner.id)
            && at.elapsed() < TOKEN_REUSE
        {
            return Ok(t.clone());
        }
        let body = json!({
            "query": "mutation($i: String!, $s: String!) { serviceToken(clientId: $i, clientSecret: $s) { accessToken } }",
            "variables": { "i": partner.client_id, "s": secret },
        });
        let data = match self.call(partner, None, &body, "serviceToken").await {
            Ok(d) => d,
            // Wrong credentials are worth retrying: the administrator may fix them meanwhile.
            Err(Outcome::Refused(e)) => return Err(Outcome::Retry(format!("登录合作方失败：{e}"))),
            Err(o) => return Err(o),
        };
        let Some(t) = data["accessToken"].as_str() else {
            return Err(Outcome::Retry("合作方未返回令牌".into()));
        };
        tokens.insert(partner.id, (t.to_owned(), Instant::now()));
        Ok(t.to_owned())
    }

    async fn post(&self, partner: &Partner, token: Option<&str>, body: &Json, field: &str) -> Outcome {
        match self.call(partner, token, body, field).await {
            Ok(_) => Outcome::Delivered,
            Err(o) => o,
        }
    }

    /// One GraphQL call; the answer's `data.<field>`.
    async fn call(
        &self,
        partner: &Partner,
        token: Option<&str>,
        body: &Json,
        field: &str,
    ) -> std::result::Result<Json, Outcome> {
        let mut req = self.http.post(partner.graphql_url()).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| Outcome::Retry(format!("无法连接合作方：{e}")))?;
        let status = resp.status();
        let v: Json = match resp.json().await {
            Ok(v) => v,
            Err(e) => return Err(Outcome::Retry(format!("合作方应答无效（HTTP {status}）：{e}"))),
        };
        if let Some(err) = v["errors"].as_array().and_then(|a| a.first()) {
            let code = err["extensions"]["code"].as_str().unwrap_or("UNKNOWN");
            let msg = format!("{code}: {}", err["message"].as_str().unwrap_or_default());
            return Err(match code {
                "INVALID_INPUT" | "FORBIDDEN" | "CONFLICT" | "NOT_FOUND" | "ILLEGAL_TRANSITION" | "UNAUTHENTICATED" => {
                    Outcome::Refused(msg)
                }
                _ => Outcome::Retry(msg),
            });
        }
        if !status.is_success() {
            return Err(Outcome::Retry(format!("合作方应答 HTTP {status}")));
        }
        Ok(v["data"][field].clone())
    }
}

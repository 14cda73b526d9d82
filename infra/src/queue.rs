//! Queue tickets in Redis (shared by every server process, kept across restarts) or in memory.

use std::collections::{BTreeMap, HashMap, VecDeque};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::queue::{Call, HallDay, Issued, Prefix, QueueStore, Ticket};
use domain::{Error, Result};
use redis::aio::ConnectionManager;
use tokio::sync::Mutex;

/// Queue keys live two days: long enough for the working day they belong to.
const TTL_SECS: i64 = 2 * 24 * 3600;
const RECENT: usize = 100;
const NORMAL: f64 = 1e12;

#[derive(Default)]
struct DayState {
    seqs: HashMap<char, u64>,
    order: u64,
    queues: HashMap<String, BTreeMap<(bool, u64), Ticket>>,
    called: VecDeque<Call>,
}

/// In-process queues for a single embedded server.
#[derive(Default)]
pub struct MemoryQueue {
    days: Mutex<HashMap<String, DayState>>,
}

#[async_trait]
impl QueueStore for MemoryQueue {
    async fn take(
        &self,
        day: &HallDay,
        prefix: &Prefix,
        queue: &str,
        priority: bool,
        at: DateTime<Utc>,
    ) -> Result<Issued> {
        let mut days = self.days.lock().await;
        let state = days.entry(day.key()).or_default();
        let seq = state.seqs.entry(prefix.letter()).or_insert(0);
        *seq += 1;
        state.order += 1;
        let ticket = Ticket { number: prefix.number(*seq), queue: queue.to_owned(), issued_at: at, priority };
        let q = state.queues.entry(queue.to_owned()).or_default();
        let key = (!priority, state.order);
        q.insert(key, ticket.clone());
        let position = q.range(..=key).count() as u32;
        Ok(Issued { ticket, position })
    }

    async fn call_next(
        &self,
        day: &HallDay,
        queues: &[String],
        window: &str,
        caller: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Call>> {
        let mut days = self.days.lock().await;
        let Some(state) = days.get_mut(&day.key()) else { return Ok(None) };
        let best = queues
            .iter()
            .filter_map(|q| state.queues.get(q).and_then(|m| m.keys().next().map(|k| (*k, q.clone()))))
            .min_by_key(|(k, _)| *k);
        let Some((key, queue)) = best else { return Ok(None) };
        let Some(ticket) = state.queues.get_mut(&queue).and_then(|m| m.remove(&key)) else { return Ok(None) };
        let call = Call { ticket, window: window.to_owned(), caller: caller.to_owned(), called_at: at };
        state.called.push_front(call.clone());
        state.called.truncate(RECENT);
        Ok(Some(call))
    }

    async fn requeue(&self, day: &HallDay, queue: &str, ticket: &Ticket) -> Result<()> {
        let mut days = self.days.lock().await;
        let state = days.entry(day.key()).or_default();
        state.order += 1;
        let ticket = Ticket { queue: queue.to_owned(), priority: true, ..ticket.clone() };
        state.queues.entry(queue.to_owned()).or_default().insert((false, state.order), ticket);
        Ok(())
    }

    async fn announce(&self, day: &HallDay, call: &Call) -> Result<()> {
        let mut days = self.days.lock().await;
        let state = days.entry(day.key()).or_default();
        state.called.push_front(call.clone());
        state.called.truncate(RECENT);
        Ok(())
    }

    async fn waiting(&self, day: &HallDay, queue: &str) -> Result<u32> {
        let days = self.days.lock().await;
        Ok(days.get(&day.key()).and_then(|s| s.queues.get(queue)).map_or(0, |q| q.len() as u32))
    }

    async fn recent_calls(&self, day: &HallDay, limit: u32) -> Result<Vec<Call>> {
        let days = self.days.lock().await;
        Ok(days.get(&day.key()).map_or_else(Vec::new, |s| s.called.iter().take(limit as usize).cloned().collect()))
    }
}

/// Redis queues: a counter per prefix, a sorted set per queue (score: priority, then order),
/// a list of recent calls. Keys of one hall-day share a hash tag.
pub struct RedisQueue {
    conn: ConnectionManager,
    prefix: String,
    call_script: redis::Script,
}

const CALL_NEXT: &str = r#"
local best, bestscore, bestkey
for i = 1, #KEYS - 1 do
  local r = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  if r[1] then
    local s = tonumber(r[2])
    if not bestscore or s < bestscore then best, bestscore, bestkey = r[1], s, KEYS[i] end
  end
end
if not best then return false end
redis.call('ZREM', bestkey, best)
local called = KEYS[#KEYS]
redis.call('LPUSH', called, cjson.encode({ticket = cjson.decode(best), window = ARGV[1], caller = ARGV[2], called_at = ARGV[3]}))
redis.call('LTRIM', called, 0, tonumber(ARGV[4]) - 1)
redis.call('EXPIRE', called, tonumber(ARGV[5]))
return best
"#;

fn unavailable(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("queue store: {e}"))
}

impl RedisQueue {
    pub fn new(conn: ConnectionManager, prefix: &str) -> Self {
        RedisQueue { conn, prefix: prefix.to_owned(), call_script: redis::Script::new(CALL_NEXT) }
    }

    fn key(&self, day: &HallDay, part: &str) -> String {
        format!("{}q:{{{}}}:{part}", self.prefix, day.key())
    }
}

#[async_trait]
impl QueueStore for RedisQueue {
    async fn take(
        &self,
        day: &HallDay,
        prefix: &Prefix,
        queue: &str,
        priority: bool,
        at: DateTime<Utc>,
    ) -> Result<Issued> {
        let mut c = self.conn.clone();
        let (seq_key, order_key) = (self.key(day, &format!("seq:{}", prefix.letter())), self.key(day, "order"));
        let (seq, order): (u64, u64) = redis::pipe()
            .atomic()
            .incr(&seq_key, 1u64)
            .incr(&order_key, 1u64)
            .expire(&seq_key, TTL_SECS)
            .ignore()
            .expire(&order_key, TTL_SECS)
            .ignore()
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        let ticket = Ticket { number: prefix.number(seq), queue: queue.to_owned(), issued_at: at, priority };
        let member = serde_json::to_string(&ticket).map_err(Error::internal)?;
        let score = if priority { 0.0 } else { NORMAL } + order as f64;
        let wait = self.key(day, &format!("wait:{queue}"));
        let (rank,): (Option<u32>,) = redis::pipe()
            .atomic()
            .zadd(&wait, &member, score)
            .ignore()
            .expire(&wait, TTL_SECS)
            .ignore()
            .zrank(&wait, &member)
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(Issued { ticket, position: rank.map_or(1, |r| r + 1) })
    }

    async fn call_next(
        &self,
        day: &HallDay,
        queues: &[String],
        window: &str,
        caller: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Call>> {
        let mut c = self.conn.clone();
        let mut inv = self.call_script.prepare_invoke();
        for q in queues {
            inv.key(self.key(day, &format!("wait:{q}")));
        }
        inv.key(self.key(day, "called"));
        inv.arg(window).arg(caller).arg(at.to_rfc3339()).arg(RECENT).arg(TTL_SECS);
        let got: Option<String> = inv.invoke_async(&mut c).await.map_err(unavailable)?;
        got.map(|member| {
            let ticket: Ticket = serde_json::from_str(&member).map_err(Error::internal)?;
            Ok(Call { ticket, window: window.to_owned(), caller: caller.to_owned(), called_at: at })
        })
        .transpose()
    }

    async fn requeue(&self, day: &HallDay, queue: &str, ticket: &Ticket) -> Result<()> {
        let mut c = self.conn.clone();
        let order_key = self.key(day, "order");
        let (order,): (u64,) = redis::pipe()
            .atomic()
            .incr(&order_key, 1u64)
            .expire(&order_key, TTL_SECS)
            .ignore()
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        let ticket = Ticket { queue: queue.to_owned(), priority: true, ..ticket.clone() };
        let member = serde_json::to_string(&ticket).map_err(Error::internal)?;
        let wait = self.key(day, &format!("wait:{queue}"));
        redis::pipe()
            .atomic()
            .zadd(&wait, &member, order as f64)
            .ignore()
            .expire(&wait, TTL_SECS)
            .ignore()
            .query_async::<()>(&mut c)
            .await
            .map_err(unavailable)
    }

    async fn announce(&self, day: &HallDay, call: &Call) -> Result<()> {
        let mut c = self.conn.clone();
        let called = self.key(day, "called");
        // The same shape as the call script writes.
        let entry = serde_json::json!({
            "ticket": call.ticket, "window": call.window, "caller": call.caller, "called_at": call.called_at.to_rfc3339()
        });
        redis::pipe()
            .atomic()
            .lpush(&called, entry.to_string())
            .ignore()
            .ltrim(&called, 0, RECENT as isize - 1)
            .ignore()
            .expire(&called, TTL_SECS)
            .ignore()
            .query_async::<()>(&mut c)
            .await
            .map_err(unavailable)
    }

    async fn waiting(&self, day: &HallDay, queue: &str) -> Result<u32> {
        let mut c = self.conn.clone();
        redis::cmd("ZCARD").arg(self.key(day, &format!("wait:{queue}"))).query_async(&mut c).await.map_err(unavailable)
    }

    async fn recent_calls(&self, day: &HallDay, limit: u32) -> Result<Vec<Call>> {
        let mut c = self.conn.clone();
        let raw: Vec<String> = redis::cmd("LRANGE")
            .arg(self.key(day, "called"))
            .arg(0)
            .arg(i64::from(limit) - 1)
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        raw.iter().map(|r| serde_json::from_str(r).map_err(Error::internal)).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::NaiveDate;
    use domain::region::RegionCode;

    use super::*;

    fn day() -> HallDay {
        HallDay {
            hall: RegionCode::parse("610426000000").expect("code"),
            day: NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
        }
    }

    async fn behaves_like_a_queue(store: Arc<dyn QueueStore>) {
        let (d, a, b) = (day(), Prefix::parse("A").expect("A"), Prefix::parse("B").expect("B"));
        let now = Utc::now();
        let t1 = store.take(&d, &a, "w1", false, now).await.expect("take");
        let t2 = store.take(&d, &a, "w1", false, now).await.expect("take");
        let t3 = store.take(&d, &b, "w2", false, now).await.expect("take");
        let vip = store.take(&d, &a, "w1", true, now).await.expect("take");
        assert_eq!((t1.ticket.number.as_str(), t1.position), ("A001", 1));
        assert_eq!((t2.ticket.number.as_str(), t2.position), ("A002", 2));
        assert_eq!((t3.ticket.number.as_str(), t3.position), ("B001", 1));
        assert_eq!((vip.ticket.number.as_str(), vip.position), ("A003", 1), "appointments go first");
        assert_eq!(store.waiting(&d, "w1").await.expect("waiting"), 3);

        let queues = vec!["w1".to_owned(), "w2".to_owned()];
        let mut order = Vec::new();
        while let Some(c) = store.call_next(&d, &queues, "A05", "ys_window", now).await.expect("call") {
            order.push(c.ticket.number);
        }
        assert_eq!(order, ["A003", "A001", "A002", "B001"]);
        let recent = store.recent_calls(&d, 2).await.expect("recent");
        assert_eq!(recent.iter().map(|c| c.ticket.number.as_str()).collect::<Vec<_>>(), ["B001", "A002"]);
        assert_eq!(recent[0].window, "A05");
        // Another day starts again at 001.
        let next_day = HallDay { day: d.day.succ_opt().expect("date"), ..d };
        assert_eq!(store.take(&next_day, &a, "w1", false, now).await.expect("take").ticket.number, "A001");
    }

    async fn no_duplicates_under_concurrency(store: Arc<dyn QueueStore>) {
        let d = HallDay { day: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"), ..day() };
        let a = Prefix::parse("C").expect("C");
        let mut takers = Vec::new();
        for _ in 0..8 {
            let (s, d, a) = (store.clone(), d.clone(), a.clone());
            takers.push(tokio::spawn(async move {
                let mut got = Vec::new();
                for _ in 0..25 {
                    got.push(s.take(&d, &a, "q", false, Utc::now()).await.expect("take").ticket.number);
                }
                got
            }));
        }
        let mut issued = Vec::new();
        for t in takers {
            issued.extend(t.await.expect("join"));
        }
        let mut callers = Vec::new();
        for w in 0..4 {
            let (s, d) = (store.clone(), d.clone());
            callers.push(tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(c) =
                    s.call_next(&d, &["q".to_owned()], &format!("W{w}"), "x", Utc::now()).await.expect("call")
                {
                    got.push(c.ticket.number);
                }
                got
            }));
        }
        let mut called = Vec::new();
        for c in callers {
            called.extend(c.await.expect("join"));
        }
        issued.sort();
        called.sort();
        assert_eq!(issued.len(), 200);
        assert_eq!(issued.windows(2).filter(|w| w[0] == w[1]).count(), 0, "no duplicate numbers");
        assert_eq!(called, issued, "every ticket called exactly once");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn memory_queue() {
        behaves_like_a_queue(Arc::new(MemoryQueue::default())).await;
        no_duplicates_under_concurrency(Arc::new(MemoryQueue::default())).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis_queue() {
        let Ok(url) = std::env::var("TONGBAN_TEST_REDIS_URL") else {
            eprintln!("TONGBAN_TEST_REDIS_URL not set; the Redis queue is tested in the PostgreSQL + Redis pass");
            return;
        };
        let client = redis::Client::open(url).expect("url");
        let conn = ConnectionManager::new(client).await.expect("redis");
        let prefix = format!("tbt:{}:", uuid::Uuid::new_v4().simple());
        behaves_like_a_queue(Arc::new(RedisQueue::new(conn.clone(), &prefix))).await;
        no_duplicates_under_concurrency(Arc::new(RedisQueue::new(conn, &prefix))).await;
    }
}

//! Partners (跨省通办): other deployments, each serving some region-code prefixes, reached through
//! their partner API with a service account there. Messages for them wait in the outbox until a
//! worker delivers them: retried with exponential backoff and jitter, parked after a number of
//! attempts.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use serde_json::json;

use crate::case::{Case, OutboxMessage};
use crate::error::{Error, Result};
use crate::region::RegionCode;
use crate::text;
use crate::transfer::{Transfer, TransferStatus};

/// The most prefixes one partner serves.
pub const MAX_PREFIXES: usize = 40;
/// The longest base URL.
pub const MAX_URL_CHARS: usize = 300;
/// The longest partner name and client id.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest service-account secret.
pub const MAX_SECRET_CHARS: usize = 200;

/// Outbox topic: a transfer to a partner's handling tenant (submitRemoteTransfer there).
pub const TOPIC_SUBMIT: &str = "partner.submit_transfer";
/// Outbox topic: a status change of a transfer a partner sent (reportTransferStatus there).
pub const TOPIC_STATUS: &str = "partner.transfer_status";

/// Another deployment, as registered here. The secret is never part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub id: Uuid,
    pub name: String,
    /// Region-code prefixes (2 to 12 digits) whose tenants the partner serves.
    pub prefixes: Vec<String>,
    /// Where its API lives, e.g. `https://zwfw.example.cn` (GraphQL at `/graphql`).
    pub base_url: String,
    /// The client id of the service account there.
    pub client_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Partner {
    /// The longest of its prefixes that `code` starts with.
    pub fn serves(&self, code: &RegionCode) -> Option<usize> {
        self.prefixes.iter().filter(|p| code.as_str().starts_with(p.as_str())).map(String::len).max()
    }

    /// The GraphQL endpoint.
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.base_url.trim_end_matches('/'))
    }
}

/// The partner serving `code` among `partners`: the one with the longest matching prefix.
pub fn partner_for<'a>(partners: &'a [Partner], code: &RegionCode) -> Option<&'a Partner> {
    partners.iter().filter_map(|p| p.serves(code).map(|n| (n, p))).max_by_key(|(n, _)| *n).map(|(_, p)| p)
}

/// A partner as the platform administrator enters it, checked.
#[derive(Debug, Clone)]
pub struct PartnerInput {
    pub name: String,
    pub prefixes: Vec<String>,
    pub base_url: String,
    pub client_id: String,
    /// None keeps the stored secret (on update).
    pub client_secret: Option<String>,
}

impl PartnerInput {
    pub fn parse(
        name: &str,
        prefixes: &[String],
        base_url: &str,
        client_id: &str,
        client_secret: Option<&str>,
    ) -> Result<PartnerInput> {
        let name = text::line("合作方名称", name, MAX_NAME_CHARS)?;
        if prefixes.is_empty() || prefixes.len() > MAX_PREFIXES {
            return Err(Error::invalid(format!("区划代码前缀须有1至{MAX_PREFIXES}个")));
        }
        let mut ps = Vec::with_capacity(prefixes.len());
        for p in prefixes {
            let p = text::line("区划代码前缀", p, 12)?;
            if p.len() < 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::invalid(format!("区划代码前缀“{p}”无效：须为2至12位数字")));
            }
            if !ps.contains(&p) {
                ps.push(p);
            }
        }
        ps.sort();
        let base_url = text::line("接口地址", base_url, MAX_URL_CHARS)?;
        let rest = base_url.strip_prefix("https://").or_else(|| base_url.strip_prefix("http://"));
        match rest {
            Some(host)
                if !host.is_empty() && !host.contains(char::is_whitespace) && !host.contains(['?', '#', '@']) => {}
            _ => return Err(Error::invalid("接口地址须以 http:// 或 https:// 开头，且不含账号、查询参数")),
        }
        let base_url = base_url.trim_end_matches('/').to_owned();
        let client_id = text::line("服务账号ID", client_id, MAX_NAME_CHARS)?;
        let client_secret = match client_secret {
            Some(s) => {
                let s = text::line("服务账号密钥", s, MAX_SECRET_CHARS)?;
                Some(s)
            }
            None => None,
        };
        Ok(PartnerInput { name, prefixes: ps, base_url, client_id, client_secret })
    }
}

/// A message for a partner, as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: Uuid,
    pub tenant: RegionCode,
    pub topic: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub status: OutboxStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    /// Waiting for (another) delivery attempt.
    Pending,
    /// Delivered.
    Done,
    /// Given up after the configured attempts; waits for the platform administrator.
    Parked,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "PENDING",
            OutboxStatus::Done => "DONE",
            OutboxStatus::Parked => "PARKED",
        }
    }

    pub fn parse(s: &str) -> Result<OutboxStatus> {
        match s {
            "PENDING" => Ok(OutboxStatus::Pending),
            "DONE" => Ok(OutboxStatus::Done),
            "PARKED" => Ok(OutboxStatus::Parked),
            _ => Err(Error::internal(format!("stored outbox status {s} is invalid"))),
        }
    }
}

/// How the outbox is doing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutboxHealth {
    /// Messages not delivered yet (pending).
    pub depth: u64,
    /// When the oldest pending message was written.
    pub oldest_at: Option<DateTime<Utc>>,
    /// Parked messages, newest first (at most a page).
    pub parked: Vec<OutboxEntry>,
    pub parked_count: u64,
}

/// Delivery tunables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first retry's delay.
    pub base_ms: u64,
    /// The longest delay.
    pub max_ms: u64,
    /// Attempts before a message is parked.
    pub max_attempts: i32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base_ms: 500, max_ms: 60_000, max_attempts: 10 }
    }
}

impl Backoff {
    /// The delay before attempt `attempts + 1`, after `attempts` failed ones: `base · 2^(attempts-1)`
    /// capped at `max`, then a random part of it dropped ("equal jitter": half fixed, half
    /// `jitter` ∈ [0, 1) of the other half), so that retries of many messages spread out.
    pub fn delay_ms(&self, attempts: i32, jitter: f64) -> u64 {
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let full = self.base_ms.saturating_mul(1u64 << exp).min(self.max_ms).max(1);
        let half = full / 2;
        let j = jitter.clamp(0.0, 1.0);
        // Rounded down: at most `half`, the product of two bounded numbers.
        half + ((full - half) as f64 * j) as u64
    }

    /// Is a message that failed its `attempts`-th time to be parked?
    pub fn parks(&self, attempts: i32) -> bool {
        attempts >= self.max_attempts
    }
}

/// The message that sends transfer `t` of `case` (an item with implementation code `impl_code`)
/// to the partner serving its handling region: submitRemoteTransfer there, keyed by the collector
/// and the transfer's idempotency key.
pub fn submit_message(t: &Transfer, case: &Case, from_center: &str, impl_code: &str) -> OutboxMessage {
    let a = &case.applicant;
    OutboxMessage {
        topic: TOPIC_SUBMIT.to_owned(),
        payload: json!({
            "route": t.to,
            "input": {
                "idempotencyKey": t.idempotency_key,
                "fromRegion": t.from,
                "fromCenter": from_center,
                "remoteCaseNo": case.case_no,
                "toRegion": t.to,
                "implCode": impl_code,
                "applicant": {
                    "kind": a.kind, "name": a.name, "idType": a.id_type, "idNumber": a.id_number, "phone": a.phone,
                },
                "providedMaterials": case.provided,
                "form": case.form,
            },
        }),
    }
}

/// The message that reports a status of transfer `t`, sent here by a partner, back to it
/// (reportTransferStatus there).
pub fn status_message(
    t: &Transfer,
    status: TransferStatus,
    at: DateTime<Utc>,
    reason: Option<&str>,
    approved: Option<bool>,
    opinion: Option<&str>,
) -> OutboxMessage {
    OutboxMessage {
        topic: TOPIC_STATUS.to_owned(),
        payload: json!({
            "route": t.from,
            "input": {
                "idempotencyKey": t.idempotency_key,
                "fromRegion": t.from,
                "toRegion": t.to,
                "status": status.as_str(),
                "at": at,
                "reason": reason,
                "approved": approved,
                "opinion": opinion,
            },
        }),
    }
}

/// Where a status report from a partner moves a transfer it was sent: forward only, so that a
/// report delivered twice, or late, changes nothing (exactly-once effect).
pub fn status_rank(s: TransferStatus) -> u8 {
    use TransferStatus as S;
    match s {
        S::Sent => 0,
        S::Received => 1,
        S::Accepted | S::Returned => 2,
        S::ResultReturned => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_checked() {
        let ok = PartnerInput::parse(
            "浙江省一体化政务服务平台",
            &["33".into(), "3301".into(), "33".into()],
            "https://zw.example.cn/",
            "client-1",
            Some("s3cret"),
        )
        .expect("valid");
        assert_eq!(ok.prefixes, vec!["33".to_owned(), "3301".to_owned()]);
        assert_eq!(ok.base_url, "https://zw.example.cn");
        for (prefixes, url) in [
            (vec!["3".to_owned()], "https://a"),
            (vec!["33x".to_owned()], "https://a"),
            (vec![], "https://a"),
            (vec!["33".to_owned()], "ftp://a"),
            (vec!["33".to_owned()], "https://user@a"),
            (vec!["33".to_owned()], "https://"),
        ] {
            let e = PartnerInput::parse("x", &prefixes, url, "c", None).expect_err("invalid");
            assert_eq!(e.code(), "INVALID_INPUT", "{prefixes:?} {url}");
        }
    }

    #[test]
    fn the_longest_prefix_wins() {
        let p = |prefixes: &[&str]| Partner {
            id: Uuid::now_v7(),
            name: prefixes.join(","),
            prefixes: prefixes.iter().map(|s| (*s).to_owned()).collect(),
            base_url: "http://x".into(),
            client_id: "c".into(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let all = vec![p(&["33"]), p(&["3301", "44"])];
        let code = |c: &str| RegionCode::parse(c).expect("code");
        assert_eq!(partner_for(&all, &code("330102000000")).map(|p| p.name.as_str()), Some("3301,44"));
        assert_eq!(partner_for(&all, &code("330200000000")).map(|p| p.name.as_str()), Some("33"));
        assert!(partner_for(&all, &code("610426000000")).is_none());
    }

    #[test]
    fn backoff_grows_with_jitter_and_parks() {
        let b = Backoff { base_ms: 100, max_ms: 1_000, max_attempts: 3 };
        assert_eq!(b.delay_ms(1, 0.0), 50);
        assert_eq!(b.delay_ms(1, 0.999), 99);
        assert_eq!(b.delay_ms(2, 0.0), 100);
        assert_eq!(b.delay_ms(3, 1.0), 400);
        assert_eq!(b.delay_ms(20, 1.0), 1_000);
        assert_eq!(b.delay_ms(20, 0.0), 500);
        assert!(!b.parks(2) && b.parks(3));
    }
}

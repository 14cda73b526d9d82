//! The append-only, hash-chained audit log. Each tenant has its own chain.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::identity::Actor;
use crate::region::RegionCode;

/// The hash before a tenant's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a mutation records, written by the repository in the mutation's own transaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    /// The tenant whose data changed: its chain receives the entry.
    pub tenant: RegionCode,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_tenant: RegionCode,
    pub action: String,
    pub target: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditRecord {
    pub fn new(actor: &Actor, tenant: RegionCode, at: DateTime<Utc>, action: &str, target: impl Into<String>) -> Self {
        AuditRecord {
            tenant,
            at: truncate_micros(at),
            actor: actor.name(),
            actor_tenant: actor.tenant,
            action: action.to_owned(),
            target: target.into(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, v: Value) -> Self {
        self.before = Some(v);
        self
    }

    pub fn after(mut self, v: Value) -> Self {
        self.after = Some(v);
        self
    }

    /// The entry's hash given its place in the chain.
    pub fn chain_hash(&self, seq: i64, prev_hash: &str) -> String {
        let body = serde_json::json!([
            seq,
            self.tenant.as_str(),
            self.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            self.actor,
            self.actor_tenant.as_str(),
            self.action,
            self.target,
            self.before,
            self.after,
        ]);
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(b"\n");
        h.update(body.to_string().as_bytes());
        hex::encode(h.finalize())
    }
}

/// Storage keeps microseconds; hash what is stored.
pub fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.timestamp_subsec_nanos();
    t - chrono::Duration::nanoseconds(i64::from(nanos % 1000))
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub seq: i64,
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    pub entries: u64,
    pub intact: bool,
    /// The first entry whose content or place no longer matches the chain.
    pub first_broken_id: Option<i64>,
}

/// Verifies a tenant's chain (entries in `seq` order) against the chain head kept beside it.
pub fn verify_chain(entries: &[AuditEntry], head: Option<(i64, &str)>) -> AuditVerification {
    let mut prev = GENESIS.to_owned();
    for (expected_seq, e) in (1..).zip(entries) {
        let ok = e.seq == expected_seq && e.prev_hash == prev && e.record.chain_hash(e.seq, &prev) == e.hash;
        if !ok {
            return AuditVerification { entries: entries.len() as u64, intact: false, first_broken_id: Some(e.id) };
        }
        prev = e.hash.clone();
    }
    let last = entries.last().map(|e| (e.seq, e.hash.as_str()));
    let head_ok = match (head, last) {
        (None, None) => true,
        (Some((hs, hh)), Some((ls, lh))) => hs == ls && hh == lh,
        _ => false,
    };
    AuditVerification { entries: entries.len() as u64, intact: head_ok, first_broken_id: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{ActorKind, Role, Roles};
    use crate::region::AdminLevel;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let code = RegionCode::parse("610426000000").expect("valid");
        let actor = Actor {
            kind: ActorKind::User { id: uuid::Uuid::nil(), username: "ys_admin".into() },
            tenant: code,
            level: AdminLevel::County,
            roles: Roles::new(vec![Role::CenterAdmin]).expect("roles"),
        };
        let mut prev = GENESIS.to_owned();
        (1..=n as i64)
            .map(|seq| {
                let r = AuditRecord::new(&actor, code, Utc::now(), "user.create", format!("user:{seq}"))
                    .after(serde_json::json!({"n": seq}));
                let hash = r.chain_hash(seq, &prev);
                let e = AuditEntry { id: seq * 10, seq, record: r, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                e
            })
            .collect()
    }

    fn head(c: &[AuditEntry]) -> Option<(i64, &str)> {
        c.last().map(|e| (e.seq, e.hash.as_str()))
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        let v = verify_chain(&c, head(&c));
        assert_eq!(v, AuditVerification { entries: 5, intact: true, first_broken_id: None });
    }

    #[test]
    fn edited_entry_is_found() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        c[2].record.target = "user:forged".into();
        let v = verify_chain(&c, Some((5, &h)));
        assert!(!v.intact);
        assert_eq!(v.first_broken_id, Some(30));
    }

    #[test]
    fn deleted_entries_are_found() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        c.remove(1);
        assert_eq!(verify_chain(&c, Some((5, &h))).first_broken_id, Some(30));
        let mut c = chain(5);
        c.pop();
        let v = verify_chain(&c, Some((5, &h)));
        assert!(!v.intact);
    }
}

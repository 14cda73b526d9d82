//! The append-only, hash-chained audit log. Each tenant has its own chains: `AUDIT_LANES` lanes, an
//! entry's lane fixed by its target, so one object's history stays in one chain while unrelated
//! mutations of a busy tenant do not queue on one chain head.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::identity::Actor;
use crate::region::RegionCode;

/// Chains per tenant.
pub const AUDIT_LANES: i16 = 8;

/// The hash before a chain's first entry.
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

    /// The chain (lane) that receives this entry: a function of the target alone.
    pub fn lane(&self) -> i16 {
        let digest = Sha256::digest(self.target.as_bytes());
        i16::from(digest[0]) % AUDIT_LANES
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
    pub lane: i16,
    pub seq: i64,
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

/// Filters of an audit log listing; empty fields filter nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The start of the action, e.g. `user.` or `case.accept`.
    pub action: Option<String>,
    /// The actor's name exactly (a user name or a service account's client id).
    pub actor: Option<String>,
    /// Entries at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this instant.
    pub until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    pub entries: u64,
    pub intact: bool,
    /// The first entry whose content or place no longer matches the chain.
    pub first_broken_id: Option<i64>,
    /// Every break, by lane: each lane's first bad entry, and a head that no longer fits its lane.
    pub breaks: Vec<AuditBreak>,
}

/// Where and how one lane of a chain no longer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditBreak {
    pub lane: i16,
    /// The first bad entry; None when the break is past the stored entries (a head beyond the end).
    pub entry_id: Option<i64>,
    pub reason: BreakReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakReason {
    /// The entry's content no longer gives its hash: it was edited.
    HashMismatch,
    /// The entry does not follow the one before it: an entry before it is missing or out of place.
    ChainBroken,
    /// The head counts entries that are gone: the lane's last entries were deleted.
    HeadPastEnd,
    /// The head ends the lane at another entry (its hash differs), or entries follow it.
    HeadMismatch,
}

impl BreakReason {
    pub fn message(self) -> &'static str {
        match self {
            BreakReason::HashMismatch => "哈希不符（记录内容被改动）",
            BreakReason::ChainBroken => "链断开（前一条记录缺失或错位）",
            BreakReason::HeadPastEnd => "链头指向不存在的记录（末尾记录被删除）",
            BreakReason::HeadMismatch => "链头与末条记录不符",
        }
    }
}

/// A chain's head: its lane, last sequence number and last hash.
pub type ChainHead = (i16, i64, String);

/// Verifies a tenant's chains (entries in any order) against the chain heads kept beside them.
/// Each lane reports its first bad entry and, apart, a head that does not end it; the first
/// broken entry is the earliest stored (lowest id) of the lanes' first bad entries.
pub fn verify_chain(entries: &[AuditEntry], heads: &[ChainHead]) -> AuditVerification {
    let mut lanes: BTreeMap<i16, Vec<&AuditEntry>> = BTreeMap::new();
    for e in entries {
        lanes.entry(e.lane).or_default().push(e);
    }
    for h in heads {
        lanes.entry(h.0).or_default();
    }
    let mut breaks = Vec::new();
    for (lane, chain) in &mut lanes {
        let lane = *lane;
        chain.sort_by_key(|e| (e.seq, e.id));
        let mut prev = GENESIS;
        for (expected_seq, e) in (1..).zip(chain.iter()) {
            let reason = if e.seq != expected_seq || e.prev_hash != prev {
                Some(BreakReason::ChainBroken)
            } else if e.record.chain_hash(e.seq, prev) != e.hash {
                Some(BreakReason::HashMismatch)
            } else {
                None
            };
            if let Some(reason) = reason {
                breaks.push(AuditBreak { lane, entry_id: Some(e.id), reason });
                break;
            }
            prev = &e.hash;
        }
        let (head_seq, head_hash) = heads.iter().find(|h| h.0 == lane).map_or((0, GENESIS), |h| (h.1, h.2.as_str()));
        let last = chain.last().map_or((0, GENESIS), |e| (e.seq, e.hash.as_str()));
        if head_seq > last.0 {
            breaks.push(AuditBreak { lane, entry_id: None, reason: BreakReason::HeadPastEnd });
        } else if (head_seq, head_hash) != last {
            // The first entry the head does not account for, or the last when the hashes differ.
            let entry = chain.iter().find(|e| e.seq > head_seq).or(chain.last()).map(|e| e.id);
            breaks.push(AuditBreak { lane, entry_id: entry, reason: BreakReason::HeadMismatch });
        }
    }
    let first_broken_id = breaks
        .iter()
        .filter(|b| b.reason != BreakReason::HeadPastEnd && b.reason != BreakReason::HeadMismatch)
        .filter_map(|b| b.entry_id)
        .min();
    AuditVerification { entries: entries.len() as u64, intact: breaks.is_empty(), first_broken_id, breaks }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{ActorKind, Role, Roles};
    use crate::region::AdminLevel;

    /// `n` entries on one lane; ids `first_id`, `first_id + step`, ….
    fn lane(lane: i16, n: usize, first_id: i64, step: i64) -> Vec<AuditEntry> {
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
                let r = AuditRecord::new(&actor, code, Utc::now(), "user.create", format!("user:{lane}:{seq}"))
                    .after(serde_json::json!({"n": seq}));
                let hash = r.chain_hash(seq, &prev);
                let id = first_id + (seq - 1) * step;
                let e = AuditEntry { id, lane, seq, record: r, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                e
            })
            .collect()
    }

    fn chain(n: usize) -> Vec<AuditEntry> {
        lane(0, n, 10, 10)
    }

    fn heads(c: &[AuditEntry]) -> Vec<ChainHead> {
        let mut heads: Vec<ChainHead> = Vec::new();
        for e in c {
            heads.retain(|h| h.0 != e.lane || h.1 > e.seq);
            if !heads.iter().any(|h| h.0 == e.lane) {
                heads.push((e.lane, e.seq, e.hash.clone()));
            }
        }
        heads
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        let v = verify_chain(&c, &heads(&c));
        assert_eq!(v, AuditVerification { entries: 5, intact: true, first_broken_id: None, breaks: vec![] });
    }

    fn brk(lane: i16, entry_id: Option<i64>, reason: BreakReason) -> AuditBreak {
        AuditBreak { lane, entry_id, reason }
    }

    #[test]
    fn edited_entry_is_found() {
        let mut c = chain(5);
        let h = heads(&c);
        c[2].record.target = "user:forged".into();
        let v = verify_chain(&c, &h);
        assert!(!v.intact);
        assert_eq!(v.first_broken_id, Some(30));
        assert_eq!(v.breaks, vec![brk(0, Some(30), BreakReason::HashMismatch)]);
    }

    #[test]
    fn deleted_middle_entry_breaks_the_link_of_the_next() {
        let mut c = chain(5);
        let h = heads(&c);
        c.remove(1);
        let v = verify_chain(&c, &h);
        assert_eq!(v.first_broken_id, Some(30));
        assert_eq!(v.breaks, vec![brk(0, Some(30), BreakReason::ChainBroken)]);
    }

    #[test]
    fn deleted_last_entry_leaves_the_head_past_the_end() {
        let mut c = chain(5);
        let h = heads(&c);
        c.pop();
        let v = verify_chain(&c, &h);
        assert!(!v.intact);
        assert_eq!(v.first_broken_id, None);
        assert_eq!(v.breaks, vec![brk(0, None, BreakReason::HeadPastEnd)]);
    }

    #[test]
    fn an_entry_past_the_head_is_named() {
        let c = chain(5);
        let h = heads(&c[..4]);
        let v = verify_chain(&c, &h);
        assert_eq!(v.breaks, vec![brk(0, Some(50), BreakReason::HeadMismatch)]);
    }

    #[test]
    fn lanes_verify_apart_and_the_earliest_break_is_named() {
        // Two lanes interleaved by id: lane 0 has ids 10, 30, 50 …; lane 3 has 20, 40, 60 ….
        let mut c = lane(0, 4, 10, 20);
        for (i, e) in lane(3, 4, 20, 20).into_iter().enumerate() {
            c.insert(2 * i + 1, e);
        }
        let h = heads(&c);
        assert_eq!(h.len(), 2);
        assert!(verify_chain(&c, &h).intact);
        // Breaks in both lanes: the earlier stored one is reported.
        let mut broken = c.clone();
        broken.retain(|e| e.id != 40);
        broken.iter_mut().filter(|e| e.id == 70).for_each(|e| e.record.action = "user.delete".into());
        let v = verify_chain(&broken, &h);
        assert_eq!(v.first_broken_id, Some(60));
        assert_eq!(
            v.breaks,
            vec![brk(0, Some(70), BreakReason::HashMismatch), brk(3, Some(60), BreakReason::ChainBroken)],
            "every lane's first bad entry"
        );
        // Two lanes whose last entries are gone, and one edited: three breaks.
        let mut tails = c.clone();
        tails.retain(|e| e.id != 70 && e.id != 80);
        tails.iter_mut().filter(|e| e.id == 20).for_each(|e| e.record.actor = "someone".into());
        let v = verify_chain(&tails, &h);
        assert_eq!(
            v.breaks,
            vec![
                brk(0, None, BreakReason::HeadPastEnd),
                brk(3, Some(20), BreakReason::HashMismatch),
                brk(3, None, BreakReason::HeadPastEnd),
            ]
        );
        assert_eq!(v.first_broken_id, Some(20));
        // A lane wiped out entirely still fails on its head.
        let mut wiped = c.clone();
        wiped.retain(|e| e.lane != 3);
        let v = verify_chain(&wiped, &h);
        assert_eq!((v.intact, v.first_broken_id), (false, None));
        assert_eq!(v.breaks, vec![brk(3, None, BreakReason::HeadPastEnd)]);
        // An entry moved to another lane breaks both.
        let mut moved = c;
        moved.iter_mut().filter(|e| e.id == 30).for_each(|e| e.lane = 3);
        assert!(!verify_chain(&moved, &h).intact);
    }

    #[test]
    fn the_lane_follows_the_target() {
        let a = &chain(1)[0].record;
        let mut b = a.clone();
        b.action = "user.update".into();
        assert_eq!(a.lane(), b.lane());
        let lanes: std::collections::BTreeSet<i16> = (0..200)
            .map(|i| {
                let mut r = a.clone();
                r.target = format!("YS2026{i:08}");
                r.lane()
            })
            .collect();
        assert_eq!(lanes.len(), AUDIT_LANES as usize, "targets spread over every lane");
    }
}

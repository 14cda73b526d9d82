//! The partner registry (跨省通办) and the outbox's health: whole-deployment rows, read and written
//! in the all-tenants scope. Partners' secrets are sealed with AES-256-GCM under the deployment's
//! partner key (configuration), the partner id bound as associated data; they are opened only to
//! log in at the partner.

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::audit::AuditRecord;
use domain::partner::{OutboxEntry, OutboxHealth, OutboxStatus, Partner};
use domain::ports::PartnerRepo;
use domain::tenant::Scope;
use domain::{Error, Result};
use rand::RngCore;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::db::{Db, append_audit, commit, conflict_or_internal, internal};
use crate::entity::{outbox, partner};

/// The key partners' secrets are sealed with.
#[derive(Clone)]
pub struct PartnerKey(std::sync::Arc<LessSafeKey>);

impl std::fmt::Debug for PartnerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PartnerKey(…)")
    }
}

const SEALED_V1: &str = "v1:";

impl PartnerKey {
    /// From 32 bytes written as 64 hex digits or as base64.
    pub fn parse(text: &str) -> std::result::Result<PartnerKey, String> {
        let t = text.trim();
        let bytes = hex::decode(t).ok().filter(|b| b.len() == 32).or_else(|| STANDARD.decode(t).ok());
        match bytes {
            Some(b) if b.len() == 32 => {
                let key = UnboundKey::new(&AES_256_GCM, &b).map_err(|_| "伙伴密钥无效".to_owned())?;
                Ok(PartnerKey(std::sync::Arc::new(LessSafeKey::new(key))))
            }
            _ => Err("TONGBAN_PARTNER_KEY 须为32字节密钥（64位十六进制或 base64）".into()),
        }
    }

    pub fn seal(&self, id: Uuid, secret: &str) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut buf = secret.as_bytes().to_vec();
        self.0
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(id.as_bytes()), &mut buf)
            .map_err(|_| Error::internal("sealing a partner secret failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(format!("{SEALED_V1}{}", STANDARD.encode(out)))
    }

    pub fn open(&self, id: Uuid, sealed: &str) -> Result<String> {
        let bad = || Error::internal(format!("partner {id}: the secret does not open with this key"));
        let raw = sealed.strip_prefix(SEALED_V1).and_then(|s| STANDARD.decode(s).ok()).ok_or_else(bad)?;
        if raw.len() < NONCE_LEN {
            return Err(bad());
        }
        let (nonce, rest) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| bad())?;
        let mut buf = rest.to_vec();
        let plain = self.0.open_in_place(nonce, Aad::from(id.as_bytes()), &mut buf).map_err(|_| bad())?;
        String::from_utf8(plain.to_vec()).map_err(|_| bad())
    }
}

/// The partner registry over `db`; without a key partners can be listed but not saved or used.
#[derive(Clone)]
pub struct PartnerStore {
    pub db: Db,
    pub key: Option<PartnerKey>,
}

fn key_missing() -> Error {
    Error::invalid("本部署未配置合作方密钥（TONGBAN_PARTNER_KEY），不能保存或使用合作方凭据")
}

pub(crate) fn to_partner(m: &partner::Model) -> Result<Partner> {
    Ok(Partner {
        id: crate::repo::parse_id(&m.id)?,
        name: m.name.clone(),
        prefixes: m.prefixes.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        base_url: m.base_url.clone(),
        client_id: m.client_id.clone(),
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn to_entry(m: outbox::Model) -> Result<OutboxEntry> {
    Ok(OutboxEntry {
        id: crate::repo::parse_id(&m.id)?,
        tenant: crate::repo::parse_code(&m.tenant_code)?,
        topic: m.topic,
        created_at: m.created_at,
        attempts: m.attempts,
        next_attempt_at: m.next_attempt_at,
        last_error: m.last_error,
        status: OutboxStatus::parse(&m.status)?,
    })
}

impl PartnerStore {
    /// A partner with its secret opened, for delivery.
    pub async fn with_secrets(&self) -> Result<Vec<(Partner, String)>> {
        let key = self.key.as_ref().ok_or_else(key_missing)?;
        let tx = self.db.begin(&Scope::All).await?;
        let rows = partner::Entity::find().all(&tx).await.map_err(internal)?;
        commit(tx).await?;
        rows.iter()
            .map(|m| {
                let p = to_partner(m)?;
                let secret = key.open(p.id, &m.secret_sealed)?;
                Ok((p, secret))
            })
            .collect()
    }
}

#[async_trait]
impl PartnerRepo for PartnerStore {
    async fn partners(&self) -> Result<Vec<Partner>> {
        let tx = self.db.begin(&Scope::All).await?;
        let rows = partner::Entity::find().order_by_asc(partner::Column::Name).all(&tx).await.map_err(internal)?;
        commit(tx).await?;
        rows.iter().map(to_partner).collect()
    }

    async fn save_partner(&self, p: &Partner, secret: Option<&str>, audit: AuditRecord) -> Result<()> {
        let key = self.key.as_ref().ok_or_else(key_missing)?;
        let tx = self.db.begin(&Scope::All).await?;
        let existing = partner::Entity::find_by_id(p.id.to_string()).one(&tx).await.map_err(internal)?;
        let sealed = match (secret, &existing) {
            (Some(s), _) => key.seal(p.id, s)?,
            (None, Some(old)) => old.secret_sealed.clone(),
            (None, None) => return Err(Error::invalid("新登记的合作方须提供服务账号密钥")),
        };
        let m = partner::ActiveModel {
            id: Set(p.id.to_string()),
            name: Set(p.name.clone()),
            prefixes: Set(p.prefixes.join(",")),
            base_url: Set(p.base_url.clone()),
            client_id: Set(p.client_id.clone()),
            secret_sealed: Set(sealed),
            created_at: Set(p.created_at),
            updated_at: Set(p.updated_at),
        };
        let res = if existing.is_some() { m.update(&tx).await.map(|_| ()) } else { m.insert(&tx).await.map(|_| ()) };
        res.map_err(|e| conflict_or_internal(e, "合作方名称已被使用"))?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn remove_partner(&self, id: Uuid, audit: AuditRecord) -> Result<bool> {
        let tx = self.db.begin(&Scope::All).await?;
        let res = partner::Entity::delete_by_id(id.to_string()).exec(&tx).await.map_err(internal)?;
        if res.rows_affected == 0 {
            return Ok(false);
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await?;
        Ok(true)
    }

    async fn outbox_health(&self, parked_limit: u64) -> Result<OutboxHealth> {
        let tx = self.db.begin(&Scope::All).await?;
        // One statement, so that depth and parked count are of one moment.
        let b = tx.get_database_backend();
        let sql = "SELECT status, COUNT(*) AS n FROM outbox \
                   WHERE status IN ('PENDING', 'PARKED') GROUP BY status";
        let rows = tx.query_all_raw(crate::db::stmt(b, sql, Vec::new())).await.map_err(internal)?;
        let (mut depth, mut parked_count) = (0u64, 0u64);
        for r in rows {
            let status: String = r.try_get("", "status").map_err(internal)?;
            let n: i64 = r.try_get("", "n").map_err(internal)?;
            let n = u64::try_from(n).unwrap_or_default();
            if status == OutboxStatus::Pending.as_str() {
                depth = n;
            } else {
                parked_count = n;
            }
        }
        let oldest = outbox::Entity::find()
            .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
            .order_by_asc(outbox::Column::CreatedAt)
            .one(&tx)
            .await
            .map_err(internal)?
            .map(|m| m.created_at);
        let parked = outbox::Entity::find()
            .filter(outbox::Column::Status.eq(OutboxStatus::Parked.as_str()))
            .order_by_desc(outbox::Column::Id)
            .limit(parked_limit)
            .all(&tx)
            .await
            .map_err(internal)?;
        commit(tx).await?;
        Ok(OutboxHealth {
            depth,
            oldest_at: oldest,
            parked: parked.into_iter().map(to_entry).collect::<Result<_>>()?,
            parked_count,
        })
    }

    async fn retry_outbox(&self, id: Uuid, audit: AuditRecord) -> Result<bool> {
        let tx = self.db.begin(&Scope::All).await?;
        let res = outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, OutboxStatus::Pending.as_str().into())
            .col_expr(outbox::Column::Attempts, 0.into())
            .col_expr(outbox::Column::LeasedUntil, Option::<chrono::DateTime<chrono::Utc>>::None.into())
            .col_expr(outbox::Column::NextAttemptAt, audit.at.into())
            .filter(outbox::Column::Id.eq(id.to_string()))
            .filter(outbox::Column::Status.eq(OutboxStatus::Parked.as_str()))
            .exec(&tx)
            .await
            .map_err(internal)?;
        if res.rows_affected == 0 {
            return Ok(false);
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_seal_and_open_only_for_their_partner() {
        let key = PartnerKey::parse(&"ab".repeat(32)).expect("hex key");
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = key.seal(a, "top-secret").expect("seal");
        assert!(!sealed.contains("top-secret"));
        assert_eq!(key.open(a, &sealed).expect("open"), "top-secret");
        assert!(key.open(b, &sealed).is_err(), "bound to its partner");
        let other = PartnerKey::parse(&STANDARD.encode([7u8; 32])).expect("base64 key");
        assert!(other.open(a, &sealed).is_err(), "another key");
        assert!(PartnerKey::parse("short").is_err());
    }
}

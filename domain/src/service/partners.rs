//! The partner registry (跨省通办) and the outbox's health, for the platform administrator.

use uuid::Uuid;

use crate::audit::AuditRecord;
use crate::error::{Error, Result};
use crate::identity::Actor;
use crate::partner::{OutboxHealth, Partner, PartnerInput};
use crate::policy::{Action, authorize};

use super::PartnerService;

const PARTNER: &str = "合作方";
/// Parked messages shown at once.
pub const PARKED_SHOWN: u64 = 50;

impl PartnerService {
    /// Only the platform administrator manages partners and sees the outbox.
    async fn platform(&self, actor: &Actor) -> Result<()> {
        let own = self.tenants.known_tenant(&actor.tenant).await?;
        authorize(actor, Action::ManagePlatform, &own)?;
        if !actor.has(crate::identity::Role::PlatformAdmin) {
            return Err(Error::forbidden("只有平台管理员可以管理跨省通办合作方"));
        }
        Ok(())
    }

    pub async fn partners(&self, actor: &Actor) -> Result<Vec<Partner>> {
        self.platform(actor).await?;
        self.ports.partners.partners().await
    }

    /// Registers a partner, or updates one (`id`); a new one needs its secret.
    pub async fn save(&self, actor: &Actor, id: Option<Uuid>, input: PartnerInput) -> Result<Partner> {
        self.platform(actor).await?;
        let now = self.ports.clock.now();
        let partners = self.ports.partners.partners().await?;
        let (partner, action) = match id {
            Some(id) => {
                let old = partners.iter().find(|p| p.id == id).ok_or(Error::NotFound { what: PARTNER })?;
                let p = Partner {
                    name: input.name,
                    prefixes: input.prefixes,
                    base_url: input.base_url,
                    client_id: input.client_id,
                    updated_at: now,
                    ..old.clone()
                };
                (p, "partner.update")
            }
            None => {
                if input.client_secret.is_none() {
                    return Err(Error::invalid("新登记的合作方须提供服务账号密钥"));
                }
                let p = Partner {
                    id: Uuid::now_v7(),
                    name: input.name,
                    prefixes: input.prefixes,
                    base_url: input.base_url,
                    client_id: input.client_id,
                    created_at: now,
                    updated_at: now,
                };
                (p, "partner.create")
            }
        };
        // One prefix, one partner: a region is handled by one deployment.
        for other in partners.iter().filter(|o| o.id != partner.id) {
            if let Some(p) = partner.prefixes.iter().find(|p| other.prefixes.contains(p)) {
                return Err(Error::conflict(format!("区划代码前缀 {p} 已登记给合作方“{}”", other.name)));
            }
        }
        // Never the secret: only whether it changed.
        let audit = AuditRecord::new(actor, actor.tenant, now, action, format!("partner:{}", partner.id)).after(
            serde_json::json!({
                "name": partner.name,
                "prefixes": partner.prefixes,
                "baseUrl": partner.base_url,
                "clientId": partner.client_id,
                "secretChanged": input.client_secret.is_some(),
            }),
        );
        self.ports.partners.save_partner(&partner, input.client_secret.as_deref(), audit).await?;
        Ok(partner)
    }

    pub async fn remove(&self, actor: &Actor, id: Uuid) -> Result<()> {
        self.platform(actor).await?;
        let audit =
            AuditRecord::new(actor, actor.tenant, self.ports.clock.now(), "partner.remove", format!("partner:{id}"));
        if self.ports.partners.remove_partner(id, audit).await? {
            Ok(())
        } else {
            Err(Error::NotFound { what: PARTNER })
        }
    }

    pub async fn outbox_health(&self, actor: &Actor) -> Result<OutboxHealth> {
        self.platform(actor).await?;
        self.ports.partners.outbox_health(PARKED_SHOWN).await
    }

    /// Puts a parked message back in line.
    pub async fn retry(&self, actor: &Actor, id: Uuid) -> Result<()> {
        self.platform(actor).await?;
        let audit =
            AuditRecord::new(actor, actor.tenant, self.ports.clock.now(), "outbox.retry", format!("outbox:{id}"));
        if self.ports.partners.retry_outbox(id, audit).await? {
            Ok(())
        } else {
            Err(Error::NotFound { what: "已搁置的消息" })
        }
    }
}

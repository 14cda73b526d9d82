//! The public ticket kiosk (取号): the items a hall's windows serve, and tickets taken there,
//! limited per client address like every public write.

use uuid::Uuid;

use crate::error::{Error, Result};
use crate::region::RegionCode;
use crate::tenant::{Scope, Tenant};

use super::{HallService, IssuedTicket};

/// An item a hall serves, as the kiosk offers it.
#[derive(Debug, Clone)]
pub struct KioskItem {
    pub id: Uuid,
    pub name: String,
}

impl HallService {
    /// The hall of `tenant` and the items its windows serve, by name.
    pub async fn kiosk_items(&self, tenant: &RegionCode) -> Result<(Tenant, Vec<KioskItem>)> {
        let t = self.ports.tenants.get(tenant).await?.ok_or(Error::NotFound { what: "服务大厅" })?;
        let scope = Scope::only(&t.code);
        let windows = self.ports.hall.windows(&t.code).await?;
        let mut ids: Vec<Uuid> = windows.iter().flat_map(|w| w.items.iter().copied()).collect();
        ids.sort();
        ids.dedup();
        let mut items = Vec::new();
        for id in ids {
            if let Some(i) = self.ports.catalogue.impl_item(&scope, id).await?.filter(|i| i.tenant == t.code) {
                items.push(KioskItem { id: i.id, name: i.base.name.clone() });
            }
        }
        items.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((t, items))
    }

    /// 取号 without login (the kiosk page, or GraphQL without a token); RATE_LIMITED past the
    /// client's share of public writes.
    pub async fn take_public_ticket(&self, tenant: &RegionCode, item: Uuid, client: &str) -> Result<IssuedTicket> {
        self.limit_public_write(client).await?;
        self.take_ticket(tenant, item).await
    }

    /// Every anonymous write (取号, 预约, 取消预约, 签到) draws on one budget per client address, so
    /// a script can neither empty a hall's queue numbers nor guess appointment codes.
    pub(super) async fn limit_public_write(&self, client: &str) -> Result<()> {
        let s = &self.settings;
        self.ports.ephemeral.rate_limit(&format!("public:{client}"), s.public_writes_per_client, s.public_window).await
    }
}

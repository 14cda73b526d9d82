//! Appointment slots and bookings; the slot's count is guarded in SQL so it never passes capacity.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::audit::AuditRecord;
use domain::hall::{Appointment, AppointmentStatus, Slot};
use domain::ports::AppointmentRepo;
use domain::region::RegionCode;
use domain::tenant::Scope;
use domain::{Error, Result};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::{parse_code, parse_id};
use crate::db::{Db, append_audit, commit, internal, stmt};

fn get<T: sea_orm::TryGetable>(r: &QueryResult, col: &str) -> Result<T> {
    r.try_get("", col).map_err(internal)
}

fn time(s: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| Error::internal(format!("stored slot time {s}")))
}

fn to_slot(r: &QueryResult) -> Result<Slot> {
    Ok(Slot {
        id: parse_id(&get::<String>(r, "id")?)?,
        tenant: parse_code(&get::<String>(r, "tenant_code")?)?,
        item: parse_id(&get::<String>(r, "impl_item_id")?)?,
        day: get(r, "day")?,
        starts: time(&get::<String>(r, "starts")?)?,
        ends: time(&get::<String>(r, "ends")?)?,
        capacity: get::<i32>(r, "capacity")?.max(0) as u32,
        booked: get::<i32>(r, "booked")?.max(0) as u32,
    })
}

const SLOT_COLS: &str = "id, tenant_code, impl_item_id, day, starts, ends, capacity, booked";

#[async_trait]
impl AppointmentRepo for Db {
    async fn create_slot(&self, s: &Slot, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&s.tenant)).await?;
        tx.execute_raw(stmt(
            self.backend(),
            "INSERT INTO appointment_slots (id, tenant_code, impl_item_id, day, starts, ends, capacity, booked)
             VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            vec![
                s.id.to_string().into(),
                s.tenant.as_str().to_owned().into(),
                s.item.to_string().into(),
                s.day.into(),
                s.starts.format("%H:%M").to_string().into(),
                s.ends.format("%H:%M").to_string().into(),
                (s.capacity as i32).into(),
            ],
        ))
        .await
        .map_err(internal)?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn slots(&self, tenant: &RegionCode, item: Uuid, day: NaiveDate) -> Result<Vec<Slot>> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        let rows = tx
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT {SLOT_COLS} FROM appointment_slots WHERE tenant_code = ? AND impl_item_id = ? AND day = ? ORDER BY starts"
                ),
                vec![tenant.as_str().to_owned().into(), item.to_string().into(), day.into()],
            ))
            .await
            .map_err(internal)?;
        commit(tx).await?;
        rows.iter().map(to_slot).collect()
    }

    async fn slot(&self, tenant: &RegionCode, id: Uuid) -> Result<Option<Slot>> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        let row = tx
            .query_one_raw(stmt(
                self.backend(),
                &format!("SELECT {SLOT_COLS} FROM appointment_slots WHERE tenant_code = ? AND id = ?"),
                vec![tenant.as_str().to_owned().into(), id.to_string().into()],
            ))
            .await
            .map_err(internal)?;
        commit(tx).await?;
        row.as_ref().map(to_slot).transpose()
    }

    async fn book(&self, a: &Appointment, audit: AuditRecord) -> Result<bool> {
        let tx = self.begin(&Scope::only(&a.tenant)).await?;
        let b = self.backend();
        let res = tx
            .execute_raw(stmt(
                b,
                "UPDATE appointment_slots SET booked = booked + 1 WHERE id = ? AND tenant_code = ? AND booked < capacity",
                vec![a.slot_id.to_string().into(), a.tenant.as_str().to_owned().into()],
            ))
            .await
            .map_err(internal)?;
        if res.rows_affected() == 0 {
            tx.rollback().await.map_err(internal)?;
            return Ok(false);
        }
        tx.execute_raw(stmt(
            b,
            "INSERT INTO appointments (id, tenant_code, slot_id, applicant_name, phone, code_hash, status, ticket, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            vec![
                a.id.to_string().into(),
                a.tenant.as_str().to_owned().into(),
                a.slot_id.to_string().into(),
                a.applicant_name.clone().into(),
                a.phone.clone().into(),
                a.code_hash.clone().into(),
                a.status.as_str().into(),
                a.created_at.into(),
            ],
        ))
        .await
        .map_err(internal)?;
        append_audit(&tx, &audit).await?;
        commit(tx).await?;
        Ok(true)
    }

    async fn appointment(&self, tenant: &RegionCode, id: Uuid) -> Result<Option<Appointment>> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        let row = tx
            .query_one_raw(stmt(
                self.backend(),
                "SELECT id, tenant_code, slot_id, applicant_name, phone, code_hash, status, ticket, created_at
                 FROM appointments WHERE tenant_code = ? AND id = ?",
                vec![tenant.as_str().to_owned().into(), id.to_string().into()],
            ))
            .await
            .map_err(internal)?;
        commit(tx).await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(Appointment {
            id: parse_id(&get::<String>(&r, "id")?)?,
            tenant: parse_code(&get::<String>(&r, "tenant_code")?)?,
            slot_id: parse_id(&get::<String>(&r, "slot_id")?)?,
            applicant_name: get(&r, "applicant_name")?,
            phone: get(&r, "phone")?,
            code_hash: get(&r, "code_hash")?,
            status: AppointmentStatus::parse(&get::<String>(&r, "status")?)?,
            ticket: get(&r, "ticket")?,
            created_at: get::<DateTime<Utc>>(&r, "created_at")?,
        }))
    }

    async fn finish(
        &self,
        a: &Appointment,
        to: AppointmentStatus,
        ticket: Option<&str>,
        audit: AuditRecord,
    ) -> Result<bool> {
        let tx = self.begin(&Scope::only(&a.tenant)).await?;
        let b = self.backend();
        let res = tx
            .execute_raw(stmt(
                b,
                "UPDATE appointments SET status = ?, ticket = ? WHERE id = ? AND tenant_code = ? AND status = 'BOOKED'",
                vec![
                    to.as_str().into(),
                    ticket.map(str::to_owned).into(),
                    a.id.to_string().into(),
                    a.tenant.as_str().to_owned().into(),
                ],
            ))
            .await
            .map_err(internal)?;
        if res.rows_affected() == 0 {
            tx.rollback().await.map_err(internal)?;
            return Ok(false);
        }
        if to == AppointmentStatus::Cancelled {
            tx.execute_raw(stmt(
                b,
                "UPDATE appointment_slots SET booked = booked - 1 WHERE id = ? AND booked > 0",
                vec![a.slot_id.to_string().into()],
            ))
            .await
            .map_err(internal)?;
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await?;
        Ok(true)
    }
}

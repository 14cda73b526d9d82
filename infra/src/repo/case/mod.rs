//! Cases in storage: `row` maps a case to its rows, `read` reads them, `write` saves a step (one
//! [`domain::case::CaseWrite`] in one transaction), `deadlines` recomputes open clocks. SQL for both
//! backends comes from one builder ([`crate::sql::Sql`]).

mod deadlines;
mod read;

pub use read::{list_plans, list_statements};
mod row;
mod write;

use async_trait::async_trait;
use domain::Result;
use domain::audit::AuditRecord;
use domain::case::{Case, CaseEvent, Document};
use domain::hall::ApproverStanding;
use domain::page::Page;
use domain::ports::{CaseQuery, CaseRepo, ForIntake, ForTransition, ReviewGroup, TransitionRead};
use domain::region::RegionCode;
use domain::tenant::Scope;
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use super::catalogue::impl_in_scope;
use crate::db::{Db, commit};
use crate::entity::case;
use read::Read;
use write::Writer;

fn by_id(id: Uuid) -> Condition {
    Condition::all().add(case::Column::Id.eq(id.to_string()))
}

#[async_trait]
impl CaseRepo for Db {
    async fn get_for_intake(&self, scope: &Scope, item_id: Uuid) -> Result<Option<ForIntake>> {
        let permit = self.hold_permit();
        let tx = self.begin(scope).await?;
        let Some(item) = impl_in_scope(&tx, scope, item_id).await? else {
            commit(tx).await?;
            return Ok(None);
        };
        let write = Box::new(Writer { held: self.hold(tx, scope, permit).await?, db: self.clone() });
        Ok(Some(ForIntake { item, write }))
    }

    async fn get(&self, scope: &Scope, id: Uuid, history: bool) -> Result<Option<Case>> {
        if history {
            return read::find_one(self, scope, by_id(id), true).await;
        }
        if let Some(c) = self.case_cache.get(id) {
            return Ok(scope.reaches_case(&c.handling, &c.collecting).then(|| (*c).clone()));
        }
        let ticket = self.case_cache.ticket(id);
        let found = read::find_one(self, scope, by_id(id), false).await?;
        if let (Some(t), Some(c)) = (ticket, &found) {
            self.case_cache.put(t, c);
        }
        Ok(found)
    }

    async fn get_for_transition(&self, scope: &Scope, id: Uuid, want: TransitionRead) -> Result<Option<ForTransition>> {
        let permit = self.hold_permit();
        let tx = self.begin(scope).await?;
        let Some(Read { case, item, approver_items }) = read::read_one(&tx, scope, by_id(id), want, false).await?
        else {
            commit(tx).await?;
            return Ok(None);
        };
        let write = Box::new(Writer { held: self.hold(tx, scope, permit).await?, db: self.clone() });
        Ok(Some(ForTransition { case, item, approver_items, write }))
    }

    async fn by_no(&self, scope: &Scope, case_no: &str) -> Result<Option<Case>> {
        read::find_one(self, scope, Condition::all().add(case::Column::CaseNo.eq(case_no)), true).await
    }

    async fn for_tracking(&self, case_no: &str) -> Result<Option<(Case, String)>> {
        read::for_tracking(self, case_no).await
    }

    async fn list(&self, scope: &Scope, q: &CaseQuery) -> Result<Page<Case>> {
        read::list(self, scope, q).await
    }

    async fn approval_queue(
        &self,
        tenant: &RegionCode,
        user: Uuid,
        q: CaseQuery,
        groups: for<'a> fn(&'a ApproverStanding) -> Vec<ReviewGroup>,
    ) -> Result<Page<Case>> {
        read::approval_queue(self, tenant, user, q, groups).await
    }

    async fn document(&self, scope: &Scope, id: Uuid) -> Result<Option<Document>> {
        read::document(self, scope, id).await
    }

    async fn open_clocks(
        &self,
        prefix: &str,
        provisional_only: bool,
        from: Option<chrono::NaiveDate>,
    ) -> Result<Vec<Case>> {
        deadlines::open_clocks(self, prefix, provisional_only, from).await
    }

    async fn save_deadlines(
        &self,
        tenant: &RegionCode,
        changes: &[(Case, CaseEvent)],
        audit: AuditRecord,
    ) -> Result<bool> {
        deadlines::save_deadlines(self, tenant, changes, audit).await
    }
}

//! Joint cases keep the departments still to review beside their reviews, so an approver's queue
//! can leave out the cases their department has already reviewed. Existing cases are filled in.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::SCOPE_SETTING;

#[derive(DeriveMigrationName)]
pub struct Migration;

const FILL_PG: &str = "UPDATE cases SET pending_reviews = ',' || COALESCE((
    SELECT string_agg(r->>'department_id', ',') FROM jsonb_array_elements(reviews_json::jsonb) r
    WHERE jsonb_typeof(r->'approve') = 'null'), '') || ',' WHERE reviews_json IS NOT NULL";

const FILL_SQLITE: &str = "UPDATE cases SET pending_reviews = ',' || COALESCE((
    SELECT group_concat(json_extract(value, '$.department_id'), ',') FROM json_each(cases.reviews_json)
    WHERE json_type(value, '$.approve') = 'null'), '') || ',' WHERE reviews_json IS NOT NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("ALTER TABLE cases ADD COLUMN pending_reviews TEXT NULL").await?;
        if m.get_database_backend() == DbBackend::Postgres {
            // Row-level security is forced on cases, for their owner too: every tenant's rows.
            db.execute_unprepared(&format!("SELECT set_config('{SCOPE_SETTING}', '*', false)")).await?;
            db.execute_unprepared(FILL_PG).await?;
            db.execute_unprepared(&format!("SELECT set_config('{SCOPE_SETTING}', '', false)")).await?;
        } else {
            db.execute_unprepared(FILL_SQLITE).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection().execute_unprepared("ALTER TABLE cases DROP COLUMN pending_reviews").await?;
        Ok(())
    }
}

//! Holiday-notice years imported by an administrator.

use chrono::{DateTime, Utc};

use crate::{Db, Result, Tx, millis};

/// Every imported year as `(year, JSON text)`, in year order.
pub async fn imported_years(db: &Db) -> Result<Vec<(i64, String)>> {
    Ok(on_pool!(db, |c| sqlx::query_as("SELECT year, data FROM calendar_years ORDER BY year").fetch_all(c).await)?)
}

/// Stores a year, replacing an earlier import of the same year.
pub async fn put_year(tx: &mut Tx, year: i32, data: &str, at: DateTime<Utc>, by: Option<&str>) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO calendar_years (year, data, imported_at, imported_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (year) DO UPDATE SET data = excluded.data, imported_at = excluded.imported_at,
             imported_by = excluded.imported_by"
    )
    .bind(i64::from(year))
    .bind(data)
    .bind(millis(at))
    .bind(by)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

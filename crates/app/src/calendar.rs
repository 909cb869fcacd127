//! The working-day calendar as the platform uses it: the years embedded in the binary, overridden
//! by years an administrator imported into the database.
//!
//! The imported years are read on every use (a handful of small rows), so every instance of the
//! platform sees an import at once; what is kept in the process is only the calendar built from
//! exactly the rows read, rebuilt as soon as any row's text differs — so it cannot go stale.

use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::json;
use skillbase_domain::{CalendarError, HolidayYear, WorkingCalendar};
use skillbase_store::{audit, calendar};

use crate::{App, AppError, Result};

/// The imported rows a calendar was built from, and the calendar.
type Built = (Vec<(i64, String)>, Arc<WorkingCalendar>);

/// The calendar last built, with the imported rows it was built from.
#[derive(Debug, Default)]
pub struct CalendarCache(std::sync::Mutex<Option<Built>>);

impl App {
    /// The calendar in force now: the embedded years with the imported ones over them. Built
    /// again only when the imported rows differ from those it was last built from.
    pub async fn working_calendar(&self) -> Result<Arc<WorkingCalendar>> {
        let rows = calendar::imported_years(&self.db).await?;
        if let Ok(cached) = self.calendars.0.lock()
            && let Some((built_from, calendar)) = cached.as_ref()
            && *built_from == rows
        {
            return Ok(Arc::clone(calendar));
        }
        let imported = rows
            .iter()
            .map(|(year, data)| {
                HolidayYear::parse(data).map_err(|e| {
                    AppError::internal(CalendarError::InvalidFile { reason: format!("stored year {year}: {e}") })
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let calendar = Arc::new(WorkingCalendar::new(HolidayYear::embedded().iter().chain(imported.iter())));
        if let Ok(mut cached) = self.calendars.0.lock() {
            *cached = Some((rows, Arc::clone(&calendar)));
        }
        Ok(calendar)
    }

    /// Tomorrow in Asia/Shanghai: where every deadline in working days starts counting.
    pub fn tomorrow(&self) -> Result<NaiveDate> {
        skillbase_domain::clock::shanghai_date(self.now())
            .succ_opt()
            .ok_or_else(|| AppError::internal(skillbase_store::StoreError::Corrupt("date".into())))
    }

    /// The day `days` working days from tomorrow (a supplement, a score, a report, a
    /// rectification is due then, at its end).
    pub async fn due_in_working_days(&self, days: u32) -> Result<NaiveDate> {
        self.add_working_days(self.tomorrow()?, days).await
    }

    /// See [`WorkingCalendar::add_working_days`].
    pub async fn add_working_days(&self, start: NaiveDate, days: u32) -> Result<NaiveDate> {
        Ok(self.working_calendar().await?.add_working_days(start, days)?)
    }

    /// Imports (or replaces) one year of the holiday notice, audited.
    #[tracing::instrument(skip(self, json))]
    pub async fn import_calendar_year(&self, json: &str, actor: Option<&str>) -> Result<i32> {
        let year = HolidayYear::parse(json)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        calendar::put_year(&mut tx, year.year, json, now, actor).await?;
        let detail = json!({ "year": year.year, "days": year.days.len(), "source": year.source }).to_string();
        let year_text = year.year.to_string();
        crate::events::check("calendar.import").map_err(crate::AppError::internal)?;
        audit::append(
            &mut tx,
            &self.audit_key,
            &audit::AuditRecord {
                at: now,
                actor,
                action: "calendar.import",
                object_type: "calendar_year",
                object_id: Some(&year_text),
                detail: &detail,
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        tracing::info!(year = year.year, days = year.days.len(), "holiday calendar year imported");
        Ok(year.year)
    }
}

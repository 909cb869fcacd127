//! The programme's figures across every base (the dashboard, C1): trainees by category and
//! from the supply chain, enrolments and completions, certificates by level. Each is one
//! grouped count over an indexed column, never a list read whole.

use skillbase_domain::training::{Category, Level};

use crate::training::code;
use crate::{Db, Result};

/// What every base's training records add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrainingTotals {
    pub trainees: Vec<(Category, i64)>,
    /// Workers of an upstream or downstream company (C2.3).
    pub supply_chain: i64,
    pub enrolments: i64,
    pub completed: i64,
    /// Certificates in force, by level.
    pub certificates: Vec<(Level, i64)>,
}

pub async fn training_totals(db: &Db) -> Result<TrainingTotals> {
    let trainees: Vec<(String, i64)> =
        on_pool!(db, |c| sqlx::query_as("SELECT category, COUNT(*) FROM trainees GROUP BY category")
            .fetch_all(c)
            .await)?;
    let certificates: Vec<(String, i64)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT level, COUNT(*) FROM certificates WHERE status <> 'revoked' GROUP BY level"
    )
    .fetch_all(c)
    .await)?;
    let (supply_chain, enrolments, completed): (i64, i64, i64) = on_pool!(db, |c| sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM trainees WHERE relation IN ('upstream', 'downstream')),
                (SELECT COUNT(*) FROM enrolments),
                (SELECT COUNT(*) FROM enrolments WHERE completion = 'completed')"
    )
    .fetch_one(c)
    .await)?;
    let mut trainees: Vec<(Category, i64)> =
        trainees.into_iter().map(|(c, n)| Ok((code(&c)?, n))).collect::<Result<_>>()?;
    trainees.sort();
    let mut certificates: Vec<(Level, i64)> =
        certificates.into_iter().map(|(l, n)| Ok((code(&l)?, n))).collect::<Result<_>>()?;
    certificates.sort();
    Ok(TrainingTotals { trainees, supply_chain, enrolments, completed, certificates })
}

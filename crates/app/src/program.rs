//! The programme dashboard (C1): recognised bases against the policy's target of 5–10, by year
//! and by key industry; the pipeline of every call; the subsidy granted, disbursed and spent by
//! category; the training outcomes of every base. Staff, leaders and the coordination group
//! read all of it; the public reads the bases' part.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use skillbase_domain::access::{Action, Object};
use skillbase_domain::application::FUNNEL;
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::notice::BaseStatus;
use skillbase_domain::subsidy::{Entry, Totals};
use skillbase_domain::training::{Category, Level};
use skillbase_store::notices::BaseFilter;

use crate::access::authorize;
use crate::auth::Authenticated;
use crate::{App, Result};

/// The bases of one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearRow {
    pub year: i64,
    pub recognised: i64,
    /// Recognised up to and including this year and not revoked since.
    pub in_force: i64,
    pub revoked: i64,
}

/// One call's pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Funnel {
    pub title: String,
    pub year: i64,
    /// How many reached each step of [`FUNNEL`].
    pub reached: Vec<i64>,
}

/// The public part: the bases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseFigures {
    pub target: (u32, u32),
    /// Bases recognised and not revoked.
    pub in_force: i64,
    pub revoked: i64,
    pub years: Vec<YearRow>,
    /// Per key industry of the policy (id, name, bases in force).
    pub industries: Vec<(String, String, i64)>,
}

/// The whole dashboard.
#[derive(Debug, Clone)]
pub struct ProgramReport {
    pub bases: BaseFigures,
    pub funnels: Vec<Funnel>,
    pub funds: Totals,
    /// The policy's expense categories (id, name), in its order.
    pub categories: Vec<(String, String)>,
    pub trainees: Vec<(Category, i64)>,
    pub supply_chain: i64,
    pub enrolments: i64,
    pub completed: i64,
    pub certificates: Vec<(Level, i64)>,
}

impl ProgramReport {
    pub fn trainee_total(&self) -> i64 {
        self.trainees.iter().map(|(_, n)| n).sum()
    }

    /// The supply-chain share of trainees, in hundredths of a percent.
    pub fn supply_chain_basis_points(&self) -> i64 {
        let total = self.trainee_total();
        if total == 0 { 0 } else { (self.supply_chain * 10_000 + total / 2) / total }
    }
}

impl App {
    /// What anyone may read: the recognised bases against the target, by year and industry.
    pub async fn base_figures(&self) -> Result<BaseFigures> {
        let today = shanghai_date(self.now());
        let (_, policy) = self.policy_in_force(today).await?;
        let bases = self.registry(&BaseFilter::default()).await?;
        let mut by_year: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for b in &bases {
            let entry = by_year.entry(b.year).or_default();
            entry.0 += 1;
            if b.status == BaseStatus::Revoked {
                entry.1 += 1;
            }
        }
        let revoked_by = |year: i64| {
            bases
                .iter()
                .filter(|b| b.year <= year)
                .filter(|b| b.revoked_on.is_some_and(|d| d <= end_of_year(year)))
                .count() as i64
        };
        let mut years = Vec::new();
        let mut cumulative = 0;
        for (&year, &(recognised, revoked)) in &by_year {
            cumulative += recognised;
            years.push(YearRow { year, recognised, in_force: cumulative - revoked_by(year), revoked });
        }
        let in_force: Vec<_> = bases.iter().filter(|b| b.status != BaseStatus::Revoked).collect();
        let industries = policy
            .industries()
            .iter()
            .map(|i| {
                let n = in_force.iter().filter(|b| b.industry == i.id()).count() as i64;
                (i.id().to_owned(), i.name().to_owned(), n)
            })
            .collect();
        Ok(BaseFigures {
            target: (policy.target_min_bases(), policy.target_max_bases()),
            in_force: in_force.len() as i64,
            revoked: (bases.len() - in_force.len()) as i64,
            years,
            industries,
        })
    }

    /// The dashboard (staff, leaders, the coordination group).
    pub async fn program_report(&self, who: &Authenticated) -> Result<ProgramReport> {
        authorize(who, Action::ReadProgram, Object::Any)?;
        let bases = self.base_figures().await?;
        let counts = skillbase_store::applications::status_counts(&self.db).await?;
        let mut funnels = Vec::new();
        for batch in self.batches(Some(who)).await? {
            let mut reached = vec![0; FUNNEL.len()];
            for (_, status, n) in counts.iter().filter(|(b, _, _)| *b == batch.id) {
                if let Some(stage) = status.funnel_stage() {
                    for step in reached.iter_mut().take(stage + 1) {
                        *step += n;
                    }
                }
            }
            funnels.push(Funnel { title: batch.title.clone(), year: batch.year, reached });
        }
        funnels.sort_by_key(|f| std::cmp::Reverse(f.year));
        let mut by_base: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
        for row in skillbase_store::subsidy::all_entries(&self.db).await? {
            by_base.entry(row.base_id.to_string()).or_default().push(row.entry());
        }
        let totals: Vec<Totals> = by_base.values().map(|e| Totals::of(e)).collect();
        let funds = Totals::sum(&totals);
        let (_, policy) = self.policy_in_force(shanghai_date(self.now())).await?;
        let categories = policy.expense_categories().iter().map(|c| (c.id().to_owned(), c.name().to_owned())).collect();
        let training = skillbase_store::program::training_totals(&self.db).await?;
        Ok(ProgramReport {
            bases,
            funnels,
            funds,
            categories,
            trainees: training.trainees,
            supply_chain: training.supply_chain,
            enrolments: training.enrolments,
            completed: training.completed,
            certificates: training.certificates,
        })
    }
}

fn end_of_year(year: i64) -> NaiveDate {
    i32::try_from(year).ok().and_then(|y| NaiveDate::from_ymd_opt(y, 12, 31)).unwrap_or(NaiveDate::MAX)
}

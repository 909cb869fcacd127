//! Verifying the audit chain, and the key it is made with.

use serde::Serialize;
use skillbase_domain::audit::{ChainBreak, ChainVerifier, StoredRecord};
pub use skillbase_store::audit::AuditFilter;
use skillbase_store::{Page, PageRequest, audit};

use crate::{App, Result};

/// How many records are read at a time while verifying.
const PAGE: i64 = 1000;

/// The outcome of `audit verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Records checked before the first break (all of them when intact).
    pub checked: u64,
    pub head_seq: i64,
    pub intact: bool,
    pub first_break: Option<ChainBreak>,
    /// The first break, in words (Chinese).
    pub message: Option<String>,
    /// Daily signed heads checked against the chain (SEC-36).
    pub anchors_checked: u64,
}

impl App {
    /// Walks the whole chain from the first record and reports the first broken link.
    #[tracing::instrument(skip(self))]
    pub async fn verify_audit(&self) -> Result<AuditReport> {
        let (head_seq, head_hash) = audit::head(&self.db).await?;
        let mut verifier = ChainVerifier::new(&self.audit_key);
        let outcome = loop {
            let page = audit::chain_page(&self.db, verifier.next_seq(), PAGE).await?;
            let full = page.len() as i64 == PAGE;
            if let Some(broken) = page.into_iter().find_map(|record| verifier.push(record).err()) {
                break Err((verifier.next_seq() - 1, broken));
            }
            if !full {
                let checked = verifier.next_seq() - 1;
                break verifier.finish((head_seq, &head_hash)).map_err(|b| (checked, b));
            }
        };
        let anchors = self.verify_anchors().await?;
        Ok(match outcome {
            Ok(checked) if anchors.problem.is_some() => AuditReport {
                checked,
                head_seq,
                intact: false,
                first_break: None,
                message: anchors.problem,
                anchors_checked: anchors.checked,
            },
            Ok(checked) => AuditReport {
                checked,
                head_seq,
                intact: true,
                first_break: None,
                message: None,
                anchors_checked: anchors.checked,
            },
            Err((checked, broken)) => {
                tracing::error!(%broken, "audit chain broken");
                AuditReport {
                    checked: u64::try_from(checked).unwrap_or_default(),
                    head_seq,
                    intact: false,
                    message: Some(broken.to_string()),
                    first_break: Some(broken),
                    anchors_checked: anchors.checked,
                }
            }
        })
    }
}

impl App {
    /// Searches the audit trail (at most 500 records a page).
    pub async fn audit_entries(&self, filter: &audit::AuditFilter<'_>) -> Result<Vec<StoredRecord>> {
        let filter = audit::AuditFilter {
            limit: filter.limit.clamp(1, 500),
            from_seq: filter.from_seq.max(1),
            ..filter.clone()
        };
        Ok(audit::search(&self.db, &filter).await?)
    }

    /// A page of the audit trail (at most 500 records) with how many match over the whole
    /// trail; `next` is the `from_seq` of the following page.
    pub async fn audit_page(&self, filter: &audit::AuditFilter<'_>) -> Result<Page<StoredRecord>> {
        let filter = audit::AuditFilter { from_seq: filter.from_seq.max(1), ..filter.clone() };
        Ok(audit::search_page(&self.db, &filter).await?)
    }

    /// Every record matching the filter from `from_seq` on, page after page until none is
    /// left (an export holds them all).
    pub async fn every_audit_entry(&self, filter: &audit::AuditFilter<'_>) -> Result<Vec<StoredRecord>> {
        let mut all = Vec::new();
        let mut filter = audit::AuditFilter {
            from_seq: filter.from_seq.max(1),
            limit: i64::from(PageRequest::MAX_LIMIT),
            ..filter.clone()
        };
        loop {
            let page = audit::search_page(&self.db, &filter).await?;
            all.extend(page.items);
            match page.next.and_then(|next| next.parse().ok()) {
                Some(next) => filter.from_seq = next,
                None => return Ok(all),
            }
        }
    }
}

impl App {
    /// Records that `who` exported `count` records of `what` (every export is logged).
    pub async fn record_export(
        &self,
        who: &crate::auth::Authenticated,
        what: &str,
        count: usize,
        meta: &crate::auth::RequestMeta,
    ) -> Result<()> {
        self.record_export_of(who, (what, None), ("xlsx", count), meta).await
    }

    /// Records an export of one object (`("base_dossier", Some(base id))`) in a format (`zip`).
    pub async fn record_export_of(
        &self,
        who: &crate::auth::Authenticated,
        (what, object): (&str, Option<&str>),
        (format, count): (&str, usize),
        meta: &crate::auth::RequestMeta,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "export",
            (what, object),
            serde_json::json!({ "records": count, "format": format }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

//! A base's dossier for auditors (审计资料包), as a zip.

use super::*;

// ---------------------------------------------------------------------------------------------
// 审计资料包: a base's dossier for auditors

#[derive(Debug, Serialize)]
pub(super) struct ApprovalOut {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) status: &'static str,
    pub(super) status_label: &'static str,
    pub(super) note: String,
    pub(super) total: String,
    pub(super) total_fen: i64,
    pub(super) total_capital: String,
    /// This base's line.
    pub(super) amount: String,
    pub(super) amount_fen: i64,
    pub(super) policy_id: String,
    pub(super) drafted_by: String,
    pub(super) drafted_at: String,
    pub(super) endorsed_by: Option<String>,
    pub(super) endorsed_at: Option<String>,
    pub(super) decided_by: Option<String>,
    pub(super) decided_at: Option<String>,
    pub(super) reason: Option<String>,
    pub(super) bases: Vec<ApprovalBase>,
    /// Each step as the audit trail recorded it.
    pub(super) decisions: Vec<AuditOut>,
}

#[derive(Debug, Serialize)]
pub(super) struct ApprovalBase {
    pub(super) base_id: String,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) amount: String,
}

#[derive(Debug, Serialize)]
pub(super) struct AuditOut {
    pub(super) seq: i64,
    pub(super) at: String,
    pub(super) actor: Option<String>,
    pub(super) actor_role: Option<String>,
    pub(super) client_ip: Option<String>,
    pub(super) request_id: Option<String>,
    pub(super) action: String,
    pub(super) object_type: String,
    pub(super) object_id: Option<String>,
    pub(super) detail: serde_json::Value,
    pub(super) prev_hash: String,
    pub(super) hash: String,
}

pub(super) fn rfc3339(at: DateTime<Utc>) -> String {
    at.with_timezone(&shanghai()).to_rfc3339()
}

/// Every audit record whose object is (`kind`, `id`), in chain order.
pub(super) async fn audit_of(state: &AppState, kind: &str, id: &str) -> Result<Vec<AuditOut>, AppError> {
    let mut out = Vec::new();
    let mut from_seq = 1;
    loop {
        let filter = AuditFilter {
            from_seq,
            object_type: Some(kind),
            object_id: Some(id),
            limit: 500,
            ..AuditFilter::default()
        };
        let page = state.app.audit_entries(&filter).await?;
        let full = page.len() == 500;
        for stored in page {
            let r = stored.record;
            from_seq = r.seq + 1;
            out.push(AuditOut {
                seq: r.seq,
                at: DateTime::from_timestamp_millis(r.at).map(rfc3339).unwrap_or_default(),
                actor: r.actor,
                actor_role: r.actor_role,
                client_ip: r.client_ip,
                request_id: r.request_id,
                action: r.action,
                object_type: r.object_type,
                object_id: r.object_id,
                detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::String(r.detail)),
                prev_hash: stored.prev_hash,
                hash: stored.hash,
            });
        }
        if !full {
            return Ok(out);
        }
    }
}

/// A name safe inside a zip: no directory, no control character.
pub(super) fn zip_name(name: &str) -> String {
    let cleaned: String = name.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c }).collect();
    let cleaned = cleaned.trim_start_matches('.').to_owned();
    if cleaned.is_empty() { "receipt".to_owned() } else { cleaned }
}

pub(super) const LEDGER_HEADER: [&str; 10] =
    ["序号", "记账时间", "类型", "借方", "贷方", "金额（元）", "冲销序号", "关联类型", "关联编号", "摘要"];
pub(super) const EXPENSE_HEADER: [&str; 14] = [
    "序号",
    "支出类别",
    "金额（元）",
    "支出日期",
    "收款单位或个人",
    "支出内容",
    "发票代码",
    "发票号码",
    "票据",
    "审核状态",
    "问题",
    "说明",
    "冲销序号",
    "登记时间",
];

pub(super) fn ledger_sheet(ledger: &LedgerView) -> Vec<Vec<String>> {
    ledger
        .entries
        .iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                local_time(e.at),
                e.kind.label().to_owned(),
                e.debit.clone(),
                e.credit.clone(),
                yuan(e.amount.fen()),
                e.reverses.map(|s| s.to_string()).unwrap_or_default(),
                e.ref_type.clone(),
                e.ref_id.clone(),
                e.memo.clone(),
            ]
        })
        .collect()
}

pub(super) fn expense_sheet(ledger: &LedgerView, policy: &PolicyDocument) -> Vec<Vec<String>> {
    ledger
        .expenses
        .iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                policy.expense_category(&e.category).map_or_else(|| e.category.clone(), |c| c.name().to_owned()),
                yuan(e.amount.fen()),
                e.spent_on.to_string(),
                e.payee.clone(),
                e.description.clone(),
                e.invoice.as_ref().and_then(|i| i.code()).unwrap_or_default().to_owned(),
                e.invoice.as_ref().map(|i| i.number().to_owned()).unwrap_or_default(),
                format!("receipts/{}-{}", e.seq, zip_name(&e.receipt.2)),
                e.status.label().to_owned(),
                e.question.clone().unwrap_or_default(),
                e.answer.clone().unwrap_or_default(),
                e.reversal_seq.map(|s| s.to_string()).unwrap_or_default(),
                local_time(e.recorded_at),
            ]
        })
        .collect()
}

/// The dossier's files, in order: (name, bytes).
pub(super) async fn dossier_files(
    state: &AppState,
    who: &Authenticated,
    id: &str,
) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    let ledger = state.app.ledger(who, id).await?;
    let policy = state.app.policy(&ledger.base.policy_id).await?;
    let names = names(state).await?;
    let mut files = Vec::new();
    let ledger_xlsx =
        crate::xlsx::sheet("资金台账", &LEDGER_HEADER, &ledger_sheet(&ledger)).map_err(AppError::internal)?;
    files.push(("ledger.xlsx".to_owned(), ledger_xlsx));
    let expenses_xlsx = crate::xlsx::sheet("支出明细", &EXPENSE_HEADER, &expense_sheet(&ledger, &policy))
        .map_err(AppError::internal)?;
    files.push(("expenses.xlsx".to_owned(), expenses_xlsx));
    for e in &ledger.expenses {
        let (_, name, bytes) = state.app.expense_receipt(who, &e.id.to_string()).await?;
        files.push((format!("receipts/{}-{}", e.seq, zip_name(&name)), bytes));
    }
    let mut approvals = Vec::new();
    for f in state.app.funding_requests(who).await? {
        let Some((mine, _)) = f.items.iter().find(|(_, b)| b.id.to_string() == id) else { continue };
        approvals.push(ApprovalOut {
            id: f.id.to_string(),
            title: f.title.clone(),
            status: f.status.as_str(),
            status_label: f.status.label(),
            note: f.note.clone(),
            total: yuan(f.total.fen()),
            total_fen: f.total.fen(),
            total_capital: capital_amount(f.total.fen()),
            amount: yuan(mine.amount.fen()),
            amount_fen: mine.amount.fen(),
            policy_id: mine.policy_id.clone(),
            drafted_by: name_of(&names, Some(f.drafted_by)),
            drafted_at: rfc3339(f.drafted_at),
            endorsed_by: f.endorsed_by.map(|u| name_of(&names, Some(u))),
            endorsed_at: f.endorsed_at.map(rfc3339),
            decided_by: f.decided_by.map(|u| name_of(&names, Some(u))),
            decided_at: f.decided_at.map(rfc3339),
            reason: f.reason.clone(),
            bases: f
                .items
                .iter()
                .map(|(item, b)| ApprovalBase {
                    base_id: b.id.to_string(),
                    name: b.name.clone(),
                    number: b.number.clone(),
                    amount: yuan(item.amount.fen()),
                })
                .collect(),
            decisions: audit_of(state, "funding_request", &f.id.to_string()).await?,
        });
    }
    files.push(("approvals.json".to_owned(), serde_json::to_vec_pretty(&approvals).map_err(AppError::internal)?));
    let audit = audit_of(state, "base", id).await?;
    files.push(("audit.json".to_owned(), serde_json::to_vec_pretty(&audit).map_err(AppError::internal)?));
    Ok(files)
}

pub(super) fn zip_of(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, AppError> {
    use zip::write::SimpleFileOptions;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        writer.start_file(name.as_str(), options).map_err(AppError::internal)?;
        writer.write_all(bytes).map_err(AppError::internal)?;
    }
    Ok(writer.finish().map_err(AppError::internal)?.into_inner())
}

/// `GET /funds/bases/{id}/dossier.zip`: ledger.xlsx, expenses.xlsx, receipts/, approvals.json
/// and audit.json of one base, for auditors; the export is audited. The audit records of the
/// base are read here for the bureau's readers (ReadFunds) only: this is the bureau's file on the
/// base, not the audit trail at large.
pub(super) async fn dossier(
    State(state): State<AppState>,
    Meta(meta): Meta,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
) -> Response {
    if !(funds_reader(&who) && allowed(&who, access::Action::ReadFunds)) {
        return not_found(page);
    }
    let files = or_error_page!(dossier_files(&state, &who, &id).await, page);
    let bytes = or_error_page!(zip_of(&files), page);
    if let Err(error) = state.app.record_export_of(&who, ("base_dossier", Some(&id)), ("zip", files.len()), &meta).await
    {
        return error_page(page, error);
    }
    download(bytes, "application/zip", &format!("dossier-{}.zip", zip_name(&id)))
}

//! 审计日志 for the audit administrator (`/audit`): the trail searched by action, actor and
//! object, a page at a time from a sequence number (as the API pages) with how many records
//! match in all, the whole selection as an Excel workbook, and verifying the hash chain
//! (`/audit/verify`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use skillbase_app::audit::AuditFilter;
use skillbase_domain::roles::Role;

use super::Page;
use super::admin::local_time;
use super::kit::{Control, Form, Group, Input, or_error_page};
use super::respond;
use crate::AppState;
use crate::error::PageError;
use crate::i18n::Texts;

/// Records a page (the API's default).
const PAGE_SIZE: i64 = 100;

/// The filters, in the order of the form and the query string.
const FILTERS: [&str; 4] = ["action", "actor", "object_type", "object_id"];

/// One record as the table shows it.
#[derive(Debug)]
struct AuditRow {
    seq: i64,
    at: String,
    /// The account's name and username when it still exists, else its id; 系统 for the system.
    actor: String,
    actor_id: Option<String>,
    role: String,
    ip: String,
    /// What happened, in the catalogue's words (the code when it has none).
    meaning: String,
    /// The object in words (its kind, and the account's name for an account).
    object_title: String,
    /// The object's own audit history.
    object_href: Option<String>,
    /// The raw record, one click away.
    action: String,
    object: String,
    detail: String,
}

/// What kind of object an audit record names, in words.
fn object_kind(object_type: &str) -> &str {
    match object_type {
        "application" => "申报",
        "batch" => "申报批次",
        "policy" => "政策版本",
        "user" | "username" => "账户",
        "organization" => "申报单位",
        "api_token" => "API 令牌",
        "expert" => "专家",
        "assignment" => "评审任务",
        "proposal" => "认定名单",
        "notice" => "公示",
        "objection" => "异议",
        "base" => "基地",
        "base_dossier" => "基地审计资料包",
        "funding_request" => "资金申请",
        "security_settings" => "安全设置",
        "calendar_year" => "节假日数据",
        "audit_log" => "审计日志",
        other => other,
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Page,
    form: Form,
    rows: Vec<AuditRow>,
    from: i64,
    /// 「共 N 条，本页 M 条」.
    total: String,
    /// Links to the first page (when not on it) and the next one (when there is one).
    first_href: Option<String>,
    next_href: Option<String>,
    export_href: String,
}

fn filter_form(t: &'static Texts, value: impl Fn(&str) -> String) -> Form {
    let labels = [t.audit_action, t.audit_actor, t.audit_object_type, t.audit_object_id];
    let fields = FILTERS
        .iter()
        .zip(labels)
        .map(|(name, label)| {
            let field =
                Input::new(*name, label, Control::Text).value(&value(name)).verbatim("none").maxlength(100).optional();
            if *name == "actor" { field.hint(t.audit_actor_hint) } else { field }
        })
        .collect();
    Form::new(vec![Group { legend: Some(t.audit_filters), fields }])
}

/// The query string of these filters (non-empty ones), and `from` when given.
fn query(filters: &[(&str, String)], from: Option<i64>) -> String {
    let mut pairs: Vec<(&str, String)> = filters.iter().filter(|(_, v)| !v.is_empty()).cloned().collect();
    if let Some(from) = from {
        pairs.push(("from", from.to_string()));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
}

/// `GET /audit?action=&actor=&object_type=&object_id=&from=`.
pub async fn list(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let t = page.t;
    let Ok(params) = crate::query_params(raw.as_deref()) else {
        return PageError::new(page, StatusCode::BAD_REQUEST).into_response();
    };
    let filters: Vec<(&str, String)> =
        FILTERS.iter().map(|name| (*name, params.get(name).unwrap_or_default().trim().to_owned())).collect();
    let value = |name: &str| filters.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let from = params.get("from").and_then(|f| f.trim().parse::<i64>().ok()).filter(|f| *f >= 1).unwrap_or(1);
    let text = |name: &'static str| filters.iter().find(|(n, v)| *n == name && !v.is_empty()).map(|(_, v)| v.as_str());
    let filter = AuditFilter {
        from_seq: from,
        limit: PAGE_SIZE,
        action: text("action"),
        actor: text("actor"),
        object_type: text("object_type"),
        object_id: text("object_id"),
    };
    let (found, users) = match (state.app.audit_page(&filter).await, state.app.accounts().await) {
        (Ok(found), Ok(users)) => (found, users),
        (Err(error), _) | (_, Err(error)) => return PageError::from_app(page, error).into_response(),
    };
    let names: HashMap<String, String> =
        users.into_iter().map(|u| (u.id.to_string(), format!("{}（{}）", u.display_name, u.username))).collect();
    let meanings: HashMap<&str, &str> =
        skillbase_app::events::catalogue().into_iter().map(|e| (e.action, e.meaning)).collect();
    let next_from = found.next.as_deref().and_then(|next| next.parse::<i64>().ok());
    let total = t
        .audit_total
        .replace("{total}", &super::kit::pager::grouped(found.total))
        .replace("{shown}", &found.items.len().to_string());
    let rows = found
        .items
        .into_iter()
        .map(|stored| {
            let r = stored.record;
            let at = chrono::DateTime::from_timestamp_millis(r.at).map(local_time).unwrap_or_default();
            let actor = match &r.actor {
                Some(id) => names.get(id).cloned().unwrap_or_else(|| id.clone()),
                None => t.audit_system.to_owned(),
            };
            let role = match r.actor_role.as_deref() {
                Some(role) => {
                    role.parse::<Role>().map_or_else(|_| role.to_owned(), |role| t.role_label(role).to_owned())
                }
                None => String::new(),
            };
            let object = match &r.object_id {
                Some(id) => format!("{} {id}", r.object_type),
                None => r.object_type.clone(),
            };
            let kind = object_kind(&r.object_type);
            let object_title = match (r.object_type.as_str(), &r.object_id) {
                ("user", Some(id)) => names.get(id).map_or_else(|| kind.to_owned(), |name| format!("{kind} {name}")),
                (_, Some(id)) if id.chars().count() > 12 => {
                    format!("{kind} {}…", id.chars().take(8).collect::<String>())
                }
                (_, Some(id)) => format!("{kind} {id}"),
                (_, None) => kind.to_owned(),
            };
            let object_href = r.object_id.as_ref().map(|id| {
                let history = [("object_type", r.object_type.clone()), ("object_id", id.clone())];
                with_query("/audit", &query(&history, None))
            });
            let meaning = meanings.get(r.action.as_str()).map_or_else(|| r.action.clone(), |m| (*m).to_owned());
            AuditRow {
                seq: r.seq,
                at,
                actor,
                actor_id: r.actor,
                role,
                ip: r.client_ip.unwrap_or_default(),
                meaning,
                object_title,
                object_href,
                action: r.action,
                object,
                detail: r.detail,
            }
        })
        .collect();
    // The export holds the whole selection, whichever page this is.
    let everything = query(&filters, None);
    let template = AuditPage {
        form: filter_form(t, value),
        rows,
        from,
        total,
        first_href: (from > 1).then(|| with_query("/audit", &query(&filters, None))),
        next_href: next_from.map(|next| with_query("/audit", &query(&filters, Some(next)))),
        export_href: with_query("/api/v1/audit/export.xlsx", &everything),
        page: page.clone(),
    };
    respond(StatusCode::OK, &page, &template)
}

#[derive(Template)]
#[template(path = "audit_verify.html")]
struct VerifyPage {
    page: Page,
    intact: bool,
    summary: String,
    /// The first broken link, in the use case's words (Chinese).
    message: Option<String>,
}

/// `GET /audit/verify`: walks the whole chain and says whether it is intact, or where it first
/// breaks.
pub async fn verify(State(state): State<AppState>, page: Page) -> Response {
    let t = page.t;
    let report = or_error_page!(state.app.verify_audit().await, page);
    let summary = if report.intact { t.audit_intact } else { t.audit_broken }
        .replace("{checked}", &report.checked.to_string())
        .replace("{head}", &report.head_seq.to_string());
    let template = VerifyPage { intact: report.intact, summary, message: report.message, page: page.clone() };
    respond(StatusCode::OK, &page, &template)
}

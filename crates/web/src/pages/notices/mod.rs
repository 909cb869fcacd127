//! Public notice (公示), objections (异议) and recognition (认定授牌) as pages.
//!
//! The public side needs no account: the notices with their entries and the objection form
//! while a notice accepts objections (multipart, an optional file), the receipt, the lookup of an
//! outcome by receipt and contact, the registry of bases and the verification of a plaque. Only
//! notice fields and base facts are shown there — never an objector's name or contact.
//!
//! The bureau's side: the notices and the publish form, one notice with its objections (staff
//! take them up and resolve them with findings, close the notice once ended; the leader
//! concludes it), the objection's file (always a download), and each recognised base's plaque
//! as a printable A4 landscape page and as a one-page PDF.
//!
//! As on the other pages, every page works without script: a post that succeeds is answered
//! with a redirect (303, `?done=`) to the page it changed, a refused one with the same page, what
//! was typed kept and each error beside its field (4xx). The texts are Chinese only for now.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use skillbase_app::AppError;
use skillbase_app::auth::Authenticated;
use skillbase_app::notices::{BaseFilter, BaseView, ISSUER, NoticeView, ObjectionView, PLAQUE_TITLE, Plaque};
use skillbase_domain::access;
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::ids::ProposalId;
use skillbase_domain::notice::{BaseStatus, NoticeStatus, ObjectionInput, ObjectionStatus, Phase, Verdict};
use skillbase_domain::review::ProposalStatus;

use super::admin::local_time;
use super::kit::{
    Control, Errors, FormPost, Input, MultipartPost, QrRun, Reason, SignedInPost, Who, bounds, download, error_page,
    not_found, or_error_page, qr_runs, refusal_with_code as refusal, verify_url,
};
use super::{Page, allowed, bureau_reader, no_store, respond};
use crate::error::PageError;
use crate::routes::{Route, route};
use crate::session::Meta;
use crate::{AppState, Params};

mod manage;
mod pdf;
mod plaque;
mod public;
mod registry;

use manage::*;
use pdf::*;
use plaque::*;
use public::*;
use registry::*;

pub(super) fn routes() -> Vec<Route> {
    use skillbase_domain::access::Action::{
        ConcludeNotice, FileObjection, HandleObjections, PublishNotice, ReadBase, ReadNotices, ReadPublic,
    };
    vec![
        route(Method::GET, "/notices", ReadPublic, get(public_notices)),
        route(Method::GET, "/notices/{id}", ReadPublic, get(public_notice)),
        route(Method::POST, "/notices/{id}/objections", FileObjection, post(file_objection)),
        route(Method::GET, "/objections/lookup", ReadPublic, get(lookup_form)),
        route(Method::POST, "/objections/lookup", FileObjection, post(lookup)),
        route(Method::GET, "/bases", ReadPublic, get(registry)),
        route(Method::GET, "/verify", ReadPublic, get(verify_form)),
        route(Method::GET, "/verify/{number}", ReadPublic, get(verify)),
        route(Method::GET, "/bureau/notices", ReadNotices, get(bureau_notices)),
        route(Method::POST, "/bureau/notices", PublishNotice, post(publish)),
        route(Method::GET, "/bureau/notices/{id}", ReadNotices, get(bureau_notice)),
        route(Method::POST, "/bureau/notices/{id}/close", PublishNotice, post(close)),
        route(Method::POST, "/bureau/notices/{id}/conclude", ConcludeNotice, post(conclude)),
        route(
            Method::POST,
            "/bureau/notices/{id}/objections/{objection}/investigate",
            HandleObjections,
            post(investigate),
        ),
        route(Method::POST, "/bureau/notices/{id}/objections/{objection}/resolve", HandleObjections, post(resolve)),
        route(Method::GET, "/bureau/notices/{id}/objections/{objection}/file", ReadNotices, get(objection_file)),
        route(Method::GET, "/bureau/bases/{id}/plaque", ReadBase, get(plaque)),
        route(Method::GET, "/bureau/bases/{id}/plaque.pdf", ReadBase, get(plaque_pdf)),
    ]
}

// ---------------------------------------------------------------------------------------------
// What the pages share

/// The words for a `?done=` code after a redirect (never text from the query itself).
fn done_notice(params: &Params) -> Option<&'static str> {
    Some(match params.get("done")? {
        "published" => "公示已发布。公示期内公众可在公示页面提出异议；期满后系统自动结束公示。",
        "investigating" => "已受理该异议，进入调查核实。",
        "resolved" => "已办结该异议，异议人可凭回执查询办理结果。",
        "closed" => "公示已结束。",
        "concluded" => "已认定。各基地的牌匾编号已生成，可打印牌匾。",
        _ => return None,
    })
}

fn notice_of(raw: Option<&str>) -> Option<&'static str> {
    crate::query_params(raw).ok().as_ref().and_then(done_notice)
}

/// 2024年10月15日.
fn chinese_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// 公示期：2024年9月30日至2024年10月11日（5个工作日）.
fn period_text(n: &NoticeView) -> String {
    format!(
        "公示期：{}至{}（{}个工作日）",
        chinese_date(n.period.first_day),
        chinese_date(n.period.last_day),
        n.working_days
    )
}

/// What an objection's file may be.
const OBJECTION_FILE_TYPES: &str = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";

/// Gives each input its error, the first one with an error the focus; what is left over.
fn place_errors(inputs: &mut [Input], mut errors: Errors) -> Vec<String> {
    errors.place(inputs);
    errors.rest()
}

/// The policies' words for industries and kinds of organisation, by id.
#[derive(Debug, Default)]
struct Words {
    industries: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    names: HashMap<String, String>,
}

impl Words {
    async fn load(state: &AppState) -> Result<Words, AppError> {
        let mut words = Words::default();
        let policies = state.app.policies().await?;
        for (_, doc) in &policies {
            for term in doc.industries().iter().chain(doc.applicant_kinds()) {
                words.names.entry(term.id().to_owned()).or_insert_with(|| term.name().to_owned());
            }
        }
        // The filters offer the newest version's terms.
        if let Some((_, doc)) = policies.last() {
            words.industries = doc.industries().iter().map(|t| (t.id().to_owned(), t.name().to_owned())).collect();
            words.kinds = doc.applicant_kinds().iter().map(|t| (t.id().to_owned(), t.name().to_owned())).collect();
        }
        Ok(words)
    }

    fn name(&self, id: &str) -> String {
        self.names.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_the_documents_write_them() {
        let date = NaiveDate::from_ymd_opt(2024, 10, 15).expect("date");
        assert_eq!(chinese_date(date), "2024年10月15日");
    }

    #[test]
    fn a_plaque_pdf_is_one_page_with_its_number() {
        let (size, runs) = qr_runs("http://127.0.0.1:8080/verify/QPJD-2024-001").expect("qr");
        assert!(size > 21 && !runs.is_empty());
        let pdf = PdfPlaque {
            issuer: ISSUER,
            title: PLAQUE_TITLE,
            name: "上海某某科技有限公司",
            number: "QPJD-2024-001",
            date: "2024年10月15日",
            url: "http://127.0.0.1:8080/verify/QPJD-2024-001",
            signature: "ab",
            qr: (size, &runs),
        }
        .render();
        // The bytes of the plaque since the writer declares the font's own Latin widths (before:
        // 500 for every Latin glyph, which drew the number's letters over or apart from each
        // other): only `/W` and the centred lines' positions changed.
        assert_eq!(
            skillbase_domain::audit::sm3_hex(&pdf),
            "c2a7d5cf0d7c8d80928bdeb1871251a9aa1e87cfc6da1046c8ee99d376528e18",
            "the plaque's PDF is as pinned"
        );
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        assert!(text.contains("/UniGB-UCS2-H") && text.contains("/STSong-Light") && text.contains("(GB1)"));
        assert!(text.contains("QPJD-2024-001"));
        assert!(text.contains("/W [1 [207 270 342 467 462 797"), "the font's own Latin widths");
        assert_eq!(text.matches("/Type /Page").count() - text.matches("/Type /Pages").count(), 1, "one page");
    }
}

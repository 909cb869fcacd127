//! The subsidy on the bureau's and the base's side (C5, C6): the funding requests to the
//! coordination group (staff draft, the leader endorses or returns, the coordination group
//! approves or rejects), each request as a printable 请示; a base's ledger with its grant,
//! disbursements, expenses by the policy's twelve categories, their receipts and staff's audit;
//! the fund reports on the page, printable and as Excel; and the zip dossier of a base for
//! auditors.
//!
//! As on the other bureau pages, every page works without script: actions are form posts with
//! the session's CSRF token (the expense form is multipart, for its receipt), answered with a
//! redirect (303, `?done=`) when they succeed and with the same page, what was typed kept and
//! each error beside its field (4xx), when refused.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use skillbase_app::AppError;
use skillbase_app::audit::AuditFilter;
use skillbase_app::auth::{Authenticated, RequestMeta};
use skillbase_app::notices::{BaseFilter, BaseView, ISSUER};
use skillbase_app::subsidy::{FundingView, LedgerView};
use skillbase_domain::access;
use skillbase_domain::clock::shanghai;
use skillbase_domain::money::Money;
use skillbase_domain::policy::PolicyDocument;
use skillbase_domain::roles::Role;
use skillbase_domain::subsidy::{ExpenseInput, FundingAction, FundingAnswer, FundingStatus, Totals};

use super::admin::local_time;
use super::kit::{
    Control, Errors, Input, Reason, SignedInMultipart, SignedInPost, Who, XLSX, download, error_page, not_found,
    or_error_page, refusal, stored_file,
};
use super::{Page, allowed, respond};
use crate::AppState;
use crate::routes::{Route, route};
use crate::session::Meta;

mod dossier;
mod ledger;
mod reports;
mod requests;

use dossier::*;
use ledger::*;
use reports::*;
use requests::*;

pub(super) fn routes() -> Vec<Route> {
    use skillbase_domain::access::Action::{DecideFunding, ManageFunding, ReadBase, ReadFunds, RecordExpense};
    vec![
        route(Method::GET, "/funds/requests", ReadFunds, get(requests)),
        route(Method::POST, "/funds/requests", ManageFunding, post(draft)),
        route(Method::GET, "/funds/requests/{id}", ReadFunds, get(request)),
        route(Method::POST, "/funds/requests/{id}/approve", DecideFunding, post(approve)),
        route(Method::POST, "/funds/requests/{id}/reject", DecideFunding, post(reject)),
        route(Method::GET, "/funds/bases", ReadBase, get(bases)),
        route(Method::GET, "/funds/bases/{id}", ReadBase, get(base)),
        route(Method::POST, "/funds/bases/{id}/disbursements", ManageFunding, post(disburse)),
        route(Method::POST, "/funds/bases/{id}/expenses", RecordExpense, post(record_expense)),
        route(Method::POST, "/funds/bases/{id}/expenses/{expense}/approve", ManageFunding, post(approve_expense)),
        route(Method::POST, "/funds/bases/{id}/expenses/{expense}/query", ManageFunding, post(query_expense)),
        route(Method::POST, "/funds/bases/{id}/expenses/{expense}/reverse", ManageFunding, post(reverse_expense)),
        route(Method::POST, "/funds/bases/{id}/expenses/{expense}/answer", RecordExpense, post(answer_expense)),
        route(Method::GET, "/funds/bases/{id}/receipts/{expense}", ReadBase, get(receipt)),
        route(Method::GET, "/funds/bases/{id}/dossier.zip", ReadFunds, get(dossier)),
        route(Method::GET, "/funds/reports", ReadFunds, get(reports)),
        route(Method::GET, "/funds/reports/bases.xlsx", ReadFunds, get(bases_xlsx)),
        route(Method::GET, "/funds/reports/categories.xlsx", ReadFunds, get(categories_xlsx)),
        route(Method::GET, "/funds/reports/requests.xlsx", ReadFunds, get(requests_xlsx)),
    ]
}

// ---------------------------------------------------------------------------------------------
// What the pages share

/// The addressee of a 请示 (C6).
const ADDRESSEE: &str = "区企业职工职业培训工作协调小组";

/// The bureau's side of the funds (staff, leaders, the coordination group).
fn funds_reader(who: &Authenticated) -> bool {
    matches!(who.role, Role::Staff | Role::Leader | Role::Funding)
}

/// The words for a `?done=` code after a redirect (never text from the query itself).
fn done_notice(raw: Option<&str>) -> Option<&'static str> {
    let params = crate::query_params(raw).ok()?;
    Some(match params.get("done")? {
        "drafted" => "已拟定资金申请，待分管领导审核。",
        "endorsed" => "已审核同意，资金申请已报协调小组。",
        "returned" => "资金申请已退回经办人。",
        "approved" => "协调小组已批准，各基地的资助资金已核定。",
        "rejected" => "协调小组不予批准，已记录理由。",
        "disbursed" => "已登记拨付，基地已收到通知。",
        "recorded" => "已登记支出，待经办人审核。",
        "expense_approved" => "该笔支出已审核通过。",
        "queried" => "已提出问题，基地已收到通知。",
        "answered" => "已提交说明，待经办人复核。",
        "reversed" => "该笔支出已冲销，基地已收到通知。",
        _ => return None,
    })
}

/// Yuan with two decimals, as people read money: ¥200,000.00.
fn money(fen: i64) -> String {
    Money::from_fen(fen).to_string()
}

/// Yuan with two decimals for a spreadsheet cell: 200000.00.
fn yuan(fen: i64) -> String {
    Money::from_fen(fen).to_yuan_string()
}

/// An execution rate in basis points as a percentage: 12.50%.
fn rate(basis_points: i64) -> String {
    format!("{}.{:02}%", basis_points / 100, basis_points % 100)
}

fn chinese_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

/// An amount in Chinese capital numerals (大写), as written on financial documents:
/// 400000.00 → 肆拾万元整, 200000.50 → 贰拾万元伍角, 1234.56 → 壹仟贰佰叁拾肆元伍角陆分,
/// 0.05 → 伍分.
pub(crate) fn capital_amount(fen: i64) -> String {
    const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];
    const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
    const GROUPS: [&str; 5] = ["", "万", "亿", "万亿", "亿亿"];
    let mut out = String::new();
    if fen < 0 {
        out.push('负');
    }
    let fen = fen.unsigned_abs();
    let (yuan, jiao, cents) = (fen / 100, (fen / 10) % 10, fen % 10);
    let digits: Vec<usize> = yuan.to_string().bytes().map(|b| usize::from(b - b'0')).collect();
    let mut integer = String::new();
    if yuan > 0 {
        let len = digits.len();
        let mut zero_pending = false;
        let mut group_has_digit = false;
        for (i, &d) in digits.iter().enumerate() {
            let position = len - 1 - i;
            if d == 0 {
                zero_pending = true;
            } else {
                if zero_pending && !integer.is_empty() {
                    integer.push('零');
                }
                zero_pending = false;
                group_has_digit = true;
                integer.push_str(DIGITS[d]);
                integer.push_str(UNITS[position % 4]);
            }
            if position.is_multiple_of(4) {
                if group_has_digit {
                    integer.push_str(GROUPS.get(position / 4).copied().unwrap_or(""));
                }
                group_has_digit = false;
            }
        }
        out.push_str(&integer);
        out.push('元');
    }
    match (jiao, cents) {
        (0, 0) if yuan == 0 => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        (0, c) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push_str(DIGITS[c as usize]);
            out.push('分');
        }
        (j, c) => {
            out.push_str(DIGITS[j as usize]);
            out.push('角');
            if c > 0 {
                out.push_str(DIGITS[c as usize]);
                out.push('分');
            }
        }
    }
    out
}

/// The names of the users who acted, by id.
async fn names(state: &AppState) -> Result<HashMap<String, String>, AppError> {
    Ok(state.app.accounts().await?.into_iter().map(|u| (u.id.to_string(), u.display_name)).collect())
}

fn name_of(names: &HashMap<String, String>, id: Option<impl ToString>) -> String {
    id.and_then(|id| names.get(&id.to_string()).cloned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_chinese_capital_numerals() {
        let capital = |yuan: &str| capital_amount(Money::parse(yuan).expect("money").fen());
        assert_eq!(capital("400000.00"), "肆拾万元整");
        assert_eq!(capital("200000.50"), "贰拾万元伍角");
        assert_eq!(capital("1234.56"), "壹仟贰佰叁拾肆元伍角陆分");
        assert_eq!(capital("0.05"), "伍分");
        assert_eq!(capital("0.50"), "伍角");
        assert_eq!(capital("0"), "零元整");
        assert_eq!(capital("10"), "壹拾元整");
        assert_eq!(capital("100.05"), "壹佰元零伍分");
        assert_eq!(capital("1010000"), "壹佰零壹万元整");
        assert_eq!(capital("20001000"), "贰仟万零壹仟元整");
        assert_eq!(capital("100000001"), "壹亿零壹元整");
        assert_eq!(capital("101000000"), "壹亿零壹佰万元整");
    }

    #[test]
    fn rates_and_zip_names_read_plainly() {
        assert_eq!(rate(1250), "12.50%");
        assert_eq!(rate(0), "0.00%");
        assert_eq!(zip_name("../发票.pdf"), "_发票.pdf");
        assert_eq!(zip_name("a\r\nb.pdf"), "a__b.pdf");
        assert_eq!(zip_name(""), "receipt");
    }
}

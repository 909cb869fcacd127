//! Expert review (C4.2) on the bureau's and the experts' side: the expert pool, the review
//! console of a call (progress, overdue assignments, the ranking, the recognition list), one
//! application's review (the draw, each expert's sheet, reopening, withdrawal, reminders, the
//! stored draws), the recognition lists a leader approves or sends back, and the expert's own
//! assignments: the declaration before access, the materials, the score sheet.
//!
//! As on the other bureau pages, every page works without script: actions are form posts with
//! the session's CSRF token, answered with a redirect (303, `?done=`) when they succeed and with
//! the same page, what was typed kept and each error beside its field (4xx), when refused.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use skillbase_app::applications::ApplicationView;
use skillbase_app::auth::{Authenticated, RequestMeta};
use skillbase_app::review::{
    self as uc, AssignmentView, DEFAULT_REVIEW_DAYS, ExpertAssignment, ExpertInput, MAX_EXPERTS, PastEmployerEntry,
    RankLine, TieEntry,
};
use skillbase_app::{AppError, FieldError};
use skillbase_domain::access;
use skillbase_domain::application::{Action, Actor, Status, transition};
use skillbase_domain::ids::{ApplicationId, AssignmentId, AttachmentId, BatchId, ProposalId, UserId};
use skillbase_domain::policy::PolicyDocument;
use skillbase_domain::review::{AssignmentStatus, MAX_COMMENT_CHARS, ProposalStatus, ScoreItem};
use skillbase_domain::roles::Role;

use super::admin::local_time;
use super::application_view::*;
use super::kit::{Choice, Control, Input, Reason, bounds, or_error_page, stored_file};
use super::kit::{Errors, error_page, not_found, refusal};
use super::kit::{PathId, SignedInPost, Who, safe_next};
use super::{Page, allowed, bureau_reader, respond};
use crate::error::PageError;
use crate::routes::{Route, route};
use crate::session::Meta;
use crate::{AppState, Params};

mod application;
mod console;
mod expert;
mod experts;
mod proposals;

use application::*;
use console::*;
use expert::*;
use experts::*;
use proposals::*;

pub(super) fn routes() -> Vec<Route> {
    use skillbase_domain::access::Action::{
        ApproveProposal, ManageExperts, OrganizeReview, ReadAssignments, ReadReview, ScoreAssignment,
    };
    vec![
        route(Method::GET, "/bureau/experts", ManageExperts, get(experts)),
        route(Method::POST, "/bureau/experts/{id}", ManageExperts, post(save_expert)),
        route(Method::GET, "/bureau/review", ReadReview, get(console)),
        route(Method::GET, "/bureau/applications/{id}/review", ReadReview, get(application_review)),
        route(Method::POST, "/bureau/applications/{id}/review", OrganizeReview, post(start_review)),
        route(Method::POST, "/bureau/applications/{id}/review/more", OrganizeReview, post(draw_more)),
        route(Method::POST, "/bureau/assignments/{id}/reopen", OrganizeReview, post(reopen)),
        route(Method::POST, "/bureau/assignments/{id}/withdraw", OrganizeReview, post(withdraw)),
        route(Method::POST, "/bureau/assignments/{id}/remind", OrganizeReview, post(remind)),
        route(Method::GET, "/bureau/proposals", ReadReview, get(proposals)),
        route(Method::POST, "/bureau/proposals", OrganizeReview, post(draft_proposal)),
        route(Method::GET, "/bureau/proposals/{id}", ReadReview, get(proposal)),
        route(Method::POST, "/bureau/proposals/{id}/approve", ApproveProposal, post(approve)),
        route(Method::POST, "/bureau/proposals/{id}/send-back", ApproveProposal, post(send_back)),
        route(Method::GET, "/expert", ReadAssignments, get(expert_home)),
        route(Method::GET, "/expert/assignments/{id}", ReadAssignments, get(expert_assignment)),
        route(Method::POST, "/expert/assignments/{id}/declare", ScoreAssignment, post(declare)),
        route(Method::POST, "/expert/assignments/{id}/score", ScoreAssignment, post(score)),
        route(Method::GET, "/expert/assignments/{id}/attachments/{attachment}", ReadAssignments, get(download)),
    ]
}

// ---------------------------------------------------------------------------------------------
// What the pages share

/// The words for a `?done=` code after a redirect (never text from the query itself).
fn done_notice(params: &Params) -> Option<&'static str> {
    Some(match params.get("done")? {
        "saved" => "已保存专家信息。",
        "drawn" => "已抽取评审专家，专家已收到通知。",
        "more" => "已补抽一名评审专家，专家已收到通知。",
        "reopened" => "已退回该专家的评分，专家已收到通知。",
        "withdrawn" => "已撤换该专家；如有符合条件的专家，系统已自动补抽。",
        "reminded" => "已催办，专家已收到通知。",
        "drafted" => "已拟定认定名单，待分管领导审批。",
        "approved" => "认定名单已审批通过。",
        "sent_back" => "认定名单已退回经办人。",
        "declared" => "已声明无利益冲突。现可查阅申报材料并评分。",
        "declined" => "已声明存在利益冲突并回避，系统将另行抽取专家。",
        "scored" => "评分已提交。",
        _ => return None,
    })
}

fn notice_of(raw: Option<&str>) -> Option<&'static str> {
    crate::query_params(raw).ok().as_ref().and_then(done_notice)
}

/// A whole number typed into a form, or the field's error.
fn whole_number(text: &str, field: &str, message: &str, errors: &mut Errors) -> Option<u32> {
    match text.trim().parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.fields.push((field.to_owned(), message.to_owned()));
            None
        }
    }
}

/// The mean of a panel as people read it: 80.33 分.
fn mean_text(hundredths: Option<i64>) -> String {
    hundredths.map_or_else(|| "—".to_owned(), |h| format!("{} 分", uc::points(h)))
}

/// Reviews in progress: the application is in review or scored (its experts may still act).
fn under_review(status: Status) -> bool {
    matches!(status, Status::InReview | Status::Scored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_of_a_field_and_its_items_are_taken_together() {
        let mut errors = Errors {
            fields: vec![
                ("industries[1]".to_owned(), "不是政策所列重点产业".to_owned()),
                ("industries_other".to_owned(), "x".to_owned()),
                ("industries".to_owned(), "必选".to_owned()),
            ],
            general: Vec::new(),
        };
        assert_eq!(errors.take_under("industries").as_deref(), Some("不是政策所列重点产业；必选"));
        assert_eq!(errors.rest(), ["x"]);
    }

    #[test]
    fn blank_rows_follow_the_filled_ones() {
        let rows = tie_rows(vec![("a".into(), "b".into(), "c".into())], 20);
        assert_eq!(rows.len(), 1 + BLANK_ROWS);
        assert_eq!((rows[0].uscc.as_str(), rows[2].index), ("a", 2));
        assert_eq!(tie_rows(Vec::new(), 1).len(), 1);
    }

    #[test]
    fn a_mean_reads_in_points() {
        assert_eq!(mean_text(Some(8033)), "80.33 分");
        assert_eq!(mean_text(None), "—");
    }
}

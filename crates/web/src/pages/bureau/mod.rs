//! The bureau's side of applications: calls for applications, the applications received,
//! acceptance (受理), return for supplement (补正), refusal, the eligibility check, and policy
//! versions for the system administrator.
//!
//! Every page works without script: filters are GET forms, actions are form posts carrying the
//! session's CSRF token. A post that succeeds is answered with a redirect (303) to the page it
//! changed, so reloading does not post again; one that is refused is answered with the same page,
//! what was typed kept and each error beside its field (4xx). The texts are Chinese only for now.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::Value;
use skillbase_app::applications::{Attachment, ClauseDecision, ReturnItem, TraceItem};
use skillbase_app::auth::{Authenticated, RequestMeta};
use skillbase_app::batches::NewBatch;
use skillbase_app::{AppError, FieldError};
use skillbase_domain::access;
use skillbase_domain::application::form::{ApplicationForm, SkillLevel};
use skillbase_domain::application::{Action, Actor, Status, transition};
use skillbase_domain::attachment::FileKind;
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::eligibility::{self, Outcome};
use skillbase_domain::ids::{ApplicationId, AttachmentId, BatchId};
use skillbase_domain::money::Money;
use skillbase_domain::policy::PolicyDocument;
use skillbase_domain::roles::Role;

use super::admin::local_time;
use super::application_view::*;
use super::kit::{Choice, Control, Input, bounds, choices, or_error_page, stored_file};
use super::kit::{Errors, Reason, error_page, not_found, refusal};
use super::kit::{Pager, PathId, SignedInPost, Who, page_request};
use super::{Page, allowed, bureau_reader, respond};
use crate::error::PageError;
use crate::routes::{Route, route};
use crate::session::Meta;
use crate::{AppState, Params};

mod application;
mod applications;
mod batches;
mod policies;
mod revisions;

use application::*;
use applications::*;
use batches::*;
use policies::*;
use revisions::*;

pub(super) fn routes() -> Vec<Route> {
    use skillbase_domain::access::Action::{DecideAcceptance, ManageBatches, ManagePolicies, ReadApplication};
    vec![
        route(Method::GET, "/bureau/batches", ManageBatches, get(batches)),
        route(Method::POST, "/bureau/batches", ManageBatches, post(create_batch)),
        route(Method::POST, "/bureau/batches/{id}/publish", ManageBatches, post(publish_batch)),
        route(Method::POST, "/bureau/batches/{id}/close", ManageBatches, post(close_batch)),
        route(Method::GET, "/bureau/applications", ReadApplication, get(applications)),
        route(Method::GET, "/bureau/applications/{id}", ReadApplication, get(application)),
        route(Method::GET, "/bureau/applications/{id}/revisions", ReadApplication, get(revisions)),
        route(Method::GET, "/bureau/applications/{id}/attachments/{attachment}", ReadApplication, get(download)),
        route(Method::POST, "/bureau/applications/{id}/accept", DecideAcceptance, post(accept)),
        route(Method::POST, "/bureau/applications/{id}/return", DecideAcceptance, post(return_for_supplement)),
        route(Method::POST, "/bureau/applications/{id}/reject", DecideAcceptance, post(reject)),
        route(Method::POST, "/bureau/applications/{id}/eligibility/conclude", DecideAcceptance, post(conclude)),
        route(Method::POST, "/bureau/applications/{id}/eligibility/{clause}", DecideAcceptance, post(decide_clause)),
        route(Method::GET, "/admin/policies", ManagePolicies, get(policies)),
        route(Method::POST, "/admin/policies", ManagePolicies, post(load_policy)),
    ]
}

// ---------------------------------------------------------------------------------------------
// What the pages share

/// Would the life cycle let staff do `action` now?
fn staff_may(status: Status, action: Action) -> bool {
    transition(status, action, Actor::Person(Role::Staff)).is_ok()
}

/// The words for a `?done=` code after a redirect (never text from the query itself).
fn done_notice(params: &Params) -> Option<&'static str> {
    Some(match params.get("done")? {
        "created" => "已创建申报批次（未发布）。发布后申报单位即可在开放期内申报。",
        "published" => "申报批次已发布。",
        "closed" => "申报批次已截止。",
        "accepted" => "已受理。资格审查表已按政策生成，请逐条确认。申报单位已收到通知。",
        "returned" => "已退回补正。申报单位已收到通知，补正期限见下。",
        "rejected" => "已决定不予受理。申报单位已收到通知。",
        "decided" => "已保存该条款的审查意见。",
        "concluded" => "资格审查已完成，结果见申报状态。申报单位已收到通知。",
        "loaded" => "已载入新的政策版本。",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_items_read_as_sections() {
        assert_eq!(field_label("sites"), "实训场地设备");
        assert_eq!(field_label("sites[0].photos"), "实训场地设备（sites[0].photos）");
        assert_eq!(field_label("实训场地设备（场地照片）"), "实训场地设备（场地照片）");
        assert_eq!(field_label("营业执照复印件"), "营业执照复印件");
        assert_eq!(section_of("team.experts[1].name"), Some("师资管理团队"));
        assert_eq!(section_of("status"), None);
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size_text(33), "33 字节");
        assert_eq!(size_text(2048), "2 KB");
        assert_eq!(size_text(3 * 1024 * 1024 + 200 * 1024), "3.1 MB");
    }
}

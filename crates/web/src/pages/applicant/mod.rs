//! The organisation's side of applications: open calls (`/calls`), its applications
//! (`/applications`), the overview of one, the multi-step form in the order of clause 二 of the
//! policy, uploads, submission and withdrawal, notifications, and the printable application form.
//!
//! Every page works without JavaScript. A step of the form is an ordinary form post that saves
//! that section only (the rest of the stored form is kept as it is), with the version read when
//! the page was shown, so a concurrent save is refused instead of overwritten. A post answers
//! with the page again — what was typed kept, each problem beside its field under the same path
//! the domain uses (`sites[0].area_m2`) — or goes on to the next step. Rows are added with a
//! submit button that saves and draws one more row.
//!
//! The texts of these pages are Chinese only for now (the product is Chinese-first).

use std::str::FromStr;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use skillbase_app::applications::{ApplicationView, Attachment};
use skillbase_app::auth::Authenticated;
use skillbase_app::{AppError, FieldError};
use skillbase_domain::access::Action;
use skillbase_domain::application::form::{
    Equipment, MAX_ITEMS, MAX_NAME, MAX_TEXT, PriorityClaim, Profile, Project, Relation, RuleDocument, Site,
    SkillLevel, SupplyChainCompany, Team, TeamExpert, Trainees,
};
use skillbase_domain::application::{self, ApplicationForm, Status};
use skillbase_domain::attachment::FileKind;
use skillbase_domain::batch::{BatchStatus, WindowState};
use skillbase_domain::clock::shanghai;
use skillbase_domain::ids::{ApplicationId, AttachmentId, BatchId};
use skillbase_domain::money::Money;
use skillbase_domain::occupation::{self, OccupationCode};
use skillbase_domain::policy::PolicyDocument;
use skillbase_domain::roles::Role;
use skillbase_domain::uscc::Uscc;

use super::admin::local_time;
use super::application_view::*;
use super::kit::{
    Choice, Control, Input, PathId, Reason, SignedInMultipart, SignedInPost, Who, error_page, field_id, not_found,
    or_error_page, safe_next, stored_file,
};
use super::{Page, respond};
use crate::AppState;
use crate::api::applications::status_label;
use crate::routes::{Route, route};
use crate::session::{MaybeSignedIn, Meta};

mod calls;
mod edit;
mod files;
mod list;
mod overview;
mod parse;
mod print;
mod steps;

use calls::*;
use edit::*;
use files::*;
use list::*;
use overview::*;
use parse::*;
use print::*;
use steps::*;

pub(super) fn routes() -> Vec<Route> {
    use Action::*;
    vec![
        route(Method::GET, "/calls", ReadPublic, get(calls)),
        route(Method::GET, "/applications", DraftApplication, get(list)),
        route(Method::POST, "/applications", DraftApplication, post(start)),
        route(Method::GET, "/applications/{id}", ReadApplication, get(overview)),
        route(Method::GET, "/applications/{id}/edit/{step}", DraftApplication, get(edit)),
        route(Method::POST, "/applications/{id}/edit/{step}", DraftApplication, post(save)),
        route(Method::GET, "/applications/{id}/occupations", DraftApplication, get(occupations)),
        route(Method::POST, "/applications/{id}/attachments", DraftApplication, post(upload)),
        route(Method::GET, "/applications/{id}/attachments/{attachment}", ReadApplication, get(download)),
        route(Method::POST, "/applications/{id}/attachments/{attachment}/remove", DraftApplication, post(remove)),
        route(Method::POST, "/applications/{id}/attachments/{attachment}/replace", DraftApplication, post(replace)),
        route(Method::POST, "/applications/{id}/submit", DraftApplication, post(submit)),
        route(Method::POST, "/applications/{id}/withdraw", DraftApplication, post(withdraw)),
        route(Method::GET, "/applications/{id}/print", ReadApplication, get(print)),
        route(Method::GET, "/notifications", ReadNotifications, get(notifications)),
        route(Method::POST, "/notifications/read", ReadNotifications, post(read_notifications)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// A Shanghai calendar date as people write it: `2024年10月31日`.
fn cn_date(date: NaiveDate) -> String {
    date.format("%Y年%-m月%-d日").to_string()
}

/// A stored `YYYY-MM-DD` as people write it (unchanged if it is not a date).
fn cn_date_text(text: &str) -> String {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_or_else(|_| text.to_owned(), cn_date)
}

fn size_text(bytes: i64) -> String {
    let kb = u64::try_from(bytes).unwrap_or(0).div_ceil(1024);
    if kb < 1024 { format!("{kb} KB") } else { format!("{}.{} MB", kb / 1024, (kb % 1024) * 10 / 1024) }
}

fn kind_label(kind: &str) -> &'static str {
    FileKind::parse(kind).map_or("文件", FileKind::label)
}

fn is_image(kind: &str) -> bool {
    matches!(FileKind::parse(kind), Some(FileKind::Jpeg | FileKind::Png))
}

/// The `id` of the element that shows the form path `path`: `sites[0].area_m2` → `f-sites-0-area-m2`.
/// Is `prefix` the path `path` or a path above it (`sites[0]` above `sites[0].name`)?
fn above_or_at(path: &str, prefix: &str) -> bool {
    path == prefix || (path.starts_with(prefix) && matches!(path.as_bytes().get(prefix.len()), Some(b'.' | b'[')))
}

fn parse_id<T: FromStr>(text: &str) -> Option<T> {
    text.parse().ok()
}

/// The message for a save based on an older version.
const CONFLICT: &str =
    "申报已被他人修改或状态已变化，本页内容尚未保存。请复制需要保留的内容后重新打开本页，再修改并保存。";

/// An application with what every page of it needs: the policy version that applies (the one
/// fixed at submission, or for a draft the one in force today) and its files.
struct Ctx {
    view: ApplicationView,
    policy: PolicyDocument,
    files: Vec<Attachment>,
}

async fn context(state: &AppState, who: &Authenticated, id: ApplicationId) -> Result<Ctx, AppError> {
    let view = state.app.application(who, id).await?;
    let policy = state.app.policy_for(&view).await?;
    let files = state.app.attachments(who, id).await?;
    Ok(Ctx { view, policy, files })
}

/// One line of a list of problems, linking to where it is fixed.
#[derive(Debug)]
struct Line {
    message: String,
    href: Option<String>,
}

/// The upload form of a page: where it posts, where it comes back to, and why the last upload
/// was refused.
#[derive(Debug)]
struct UploadBox {
    action: String,
    back: String,
    max_mb: u32,
    error: Option<String>,
}

impl UploadBox {
    fn new(id: ApplicationId, back: String, policy: &PolicyDocument, error: Option<String>) -> UploadBox {
        UploadBox { action: format!("/applications/{id}/attachments"), back, max_mb: policy.max_attachment_mb(), error }
    }
}

/// A file of the application as the pages list it.
#[derive(Debug)]
struct FileRow {
    id: String,
    href: String,
    name: String,
    kind: &'static str,
    size: String,
    uploaded: String,
    hash: String,
    /// While the applicant may edit: the page its remove and replace forms come back to.
    back: Option<String>,
}

/// The files as listed; with `manage` (the page they are listed on), each with its remove and
/// replace forms.
fn file_rows(id: ApplicationId, files: &[Attachment], manage: Option<&str>) -> Vec<FileRow> {
    files
        .iter()
        .map(|f| FileRow {
            id: f.id.to_string(),
            href: format!("/applications/{id}/attachments/{}", f.id),
            name: f.display_name.clone(),
            kind: kind_label(&f.kind),
            size: size_text(f.size),
            uploaded: local_time(f.uploaded_at),
            hash: f.content_hash.clone(),
            back: manage.map(str::to_owned),
        })
        .collect()
}

/// The application's heading facts.
#[derive(Debug)]
struct Summary {
    id: String,
    batch_title: String,
    org_name: String,
    status: &'static str,
    status_key: &'static str,
    submitted: Option<String>,
    due: Option<String>,
}

fn summary_of(who: &Authenticated, view: &ApplicationView) -> Summary {
    let row = &view;
    Summary {
        id: row.id.to_string(),
        batch_title: row.batch_title.clone(),
        org_name: row.organization_name.clone(),
        status: status_label(who, view.status),
        status_key: view.status.as_str(),
        submitted: row.submitted_at.map(local_time),
        due: (view.status == Status::Returned)
            .then(|| row.supplement_due_on.map(|d| format!("{} 24 时", cn_date(d))))
            .flatten(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_element_ids() {
        assert_eq!(field_id("sites[0].area_m2"), "f-sites-0-area-m2");
        assert_eq!(field_id("trainees.supply_chain[2].uscc"), "f-trainees-supply-chain-2-uscc");
        assert!(above_or_at("sites[0].name", "sites[0]"));
        assert!(above_or_at("sites[0]", "sites[0]"));
        assert!(!above_or_at("sites[10].name", "sites[1]"));
    }

    #[test]
    fn rows_are_counted_from_the_posted_names() {
        let fields: Vec<(String, String)> = [
            ("sites[0].name", "a"),
            ("sites[2].area_m2", ""),
            ("sites[1].equipment[3].name", "x"),
            ("sitesX[9].name", ""),
            ("sites[99999].name", "too far"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let posted = Posted(&fields);
        assert_eq!(posted.rows("sites"), 3);
        assert_eq!(posted.rows("sites[1].equipment"), 4);
        assert_eq!(posted.rows("team.experts"), 0);
    }

    #[test]
    fn stored_rows_are_shown_where_they_were_typed() {
        let mut renumbering = Renumbering::default();
        renumbering.add("sites[0]".into(), "sites[1]".into());
        renumbering.add("sites[0].equipment[0]".into(), "sites[1].equipment[2]".into());
        assert_eq!(renumbering.posted("sites[0].equipment[0].value"), "sites[1].equipment[2].value");
        assert_eq!(renumbering.posted("sites[0].name"), "sites[1].name");
        assert_eq!(renumbering.posted("profile.industry"), "profile.industry");
    }

    #[test]
    fn blank_rows_are_skipped_and_bad_values_named_at_their_rows() {
        let policy = PolicyDocument::builtin();
        let raw = Raw::Sites(vec![
            SiteRaw::blank(),
            SiteRaw {
                name: "数控实训中心".into(),
                area: "八百".into(),
                equipment: vec![
                    EquipmentRaw::default(),
                    EquipmentRaw { name: "车床".into(), quantity: "２".into(), value: "1,000.005".into() },
                ],
                ..SiteRaw::default()
            },
        ]);
        let (form, errors, _) = parse(&raw, &ApplicationForm::default(), &[]);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["sites[1].area_m2", "sites[1].equipment[1].value"]);
        assert_eq!(form.sites.len(), 1);
        assert_eq!(form.sites[0].equipment[0].quantity, 2, "full-width digits are read");
        let mut blocks = blocks(&raw, policy, &[]).0;
        let lines = place_errors(&mut blocks, &errors);
        assert_eq!(lines[0].href.as_deref(), Some("#f-sites-1-area-m2"));
        assert!(blocks[1].widgets[2].error.is_some());
    }

    #[test]
    fn rule_document_paths_follow_the_policy_order() {
        let policy = PolicyDocument::builtin();
        let form = ApplicationForm::default();
        let second = policy.rule_documents()[1].id();
        assert_eq!(
            page_path(&format!("rule_documents.{second}.wall_photo"), &form, policy),
            "rule_documents[1].wall_photo"
        );
        let step = Step::of_field("rule_documents.x.document");
        assert_eq!(step, Some(Step::Rules));
        assert_eq!(Step::Letter.next(), None);
        assert_eq!(Step::Profile.heading(policy), "一、建设主体（第二条第（一）款第1项）");
    }
}

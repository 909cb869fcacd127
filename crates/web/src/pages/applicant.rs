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
use super::kit::{
    Choice, Control, Input, SignedInMultipart, SignedInPost, Who, error_page, field_id, not_found, safe_next,
    stored_file,
};
use super::{Page, respond};
use crate::AppState;
use crate::api::applications::status_label;
use crate::routes::{Route, route};
use crate::session::{MaybeSignedIn, Meta};

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
    let policy = state.app.policy_for(&view.row).await?;
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
    href: String,
    name: String,
    kind: &'static str,
    size: String,
    uploaded: String,
    hash: String,
}

fn file_rows(id: ApplicationId, files: &[Attachment]) -> Vec<FileRow> {
    files
        .iter()
        .map(|f| FileRow {
            href: format!("/applications/{id}/attachments/{}", f.id),
            name: f.display_name.clone(),
            kind: kind_label(&f.kind),
            size: size_text(f.size),
            uploaded: local_time(f.uploaded_at),
            hash: f.content_hash.clone(),
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
    let row = &view.row;
    Summary {
        id: row.id.to_string(),
        batch_title: row.batch_title.clone(),
        org_name: row.organization_name.clone(),
        status: status_label(who, view.status),
        status_key: view.status.as_str(),
        submitted: row.submitted_at.map(local_time),
        due: (view.status == Status::Returned)
            .then(|| row.supplement_due_on.as_deref().map(|d| format!("{} 24 时", cn_date_text(d))))
            .flatten(),
    }
}

// ---------------------------------------------------------------------------------------------
// The steps of the form, in the order of clause 二

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Profile,
    Sites,
    Team,
    Rules,
    Priority,
    Projects,
    Trainees,
    Letter,
}

impl Step {
    const ALL: [Step; 8] = [
        Step::Profile,
        Step::Sites,
        Step::Team,
        Step::Rules,
        Step::Priority,
        Step::Projects,
        Step::Trainees,
        Step::Letter,
    ];

    fn slug(self) -> &'static str {
        match self {
            Step::Profile => "profile",
            Step::Sites => "sites",
            Step::Team => "team",
            Step::Rules => "rules",
            Step::Priority => "priority",
            Step::Projects => "projects",
            Step::Trainees => "trainees",
            Step::Letter => "letter",
        }
    }

    fn parse(slug: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.slug() == slug)
    }

    fn title(self) -> &'static str {
        match self {
            Step::Profile => "建设主体",
            Step::Sites => "实训场地设备",
            Step::Team => "师资管理团队",
            Step::Rules => "规范管理制度",
            Step::Priority => "优先认定",
            Step::Projects => "培育项目",
            Step::Trainees => "培育对象",
            Step::Letter => "承诺书",
        }
    }

    /// The clause of the policy the step answers.
    fn clause(self) -> Option<&'static str> {
        match self {
            Step::Profile => Some("C2.1.1"),
            Step::Sites => Some("C2.1.2"),
            Step::Team => Some("C2.1.3"),
            Step::Rules => Some("C2.1.4"),
            Step::Priority => Some("C2.1.P"),
            Step::Projects => Some("C2.2"),
            Step::Trainees => Some("C2.3"),
            Step::Letter => None,
        }
    }

    fn next(self) -> Option<Step> {
        let i = Step::ALL.iter().position(|s| *s == self)?;
        Step::ALL.get(i + 1).copied()
    }

    /// The step where the form path `path` is entered.
    fn of_field(path: &str) -> Option<Step> {
        match path.split(['.', '[']).next().unwrap_or("") {
            "profile" => Some(Step::Profile),
            "sites" => Some(Step::Sites),
            "team" => Some(Step::Team),
            "rule_documents" => Some(Step::Rules),
            "priority_claims" => Some(Step::Priority),
            "projects" => Some(Step::Projects),
            "trainees" => Some(Step::Trainees),
            "commitment_letter" => Some(Step::Letter),
            _ => None,
        }
    }

    /// Steps that pick uploaded files carry an upload form.
    fn takes_files(self) -> bool {
        matches!(self, Step::Sites | Step::Rules | Step::Priority | Step::Letter)
    }

    /// 「一、建设主体（第二条第（一）款第1项）」.
    fn heading(self, policy: &PolicyDocument) -> String {
        const NUMERALS: [&str; 8] = ["一", "二", "三", "四", "五", "六", "七", "八"];
        let i = Step::ALL.iter().position(|s| *s == self).unwrap_or(0);
        let citation = self.clause().and_then(|c| policy.clause(c)).map(|c| format!("（{}）", c.citation()));
        format!("{}、{}{}", NUMERALS[i], self.title(), citation.unwrap_or_default())
    }
}

/// A path of `incomplete()`/`malformed()` as the pages name it: the rule documents are drawn in
/// the policy's order, whatever order the stored form has them in.
fn page_path(path: &str, form: &ApplicationForm, policy: &PolicyDocument) -> String {
    let kinds = policy.rule_documents();
    let position = |kind: &str| kinds.iter().position(|k| k.id() == kind);
    if let Some(rest) = path.strip_prefix("rule_documents.")
        && let Some((kind, part)) = rest.split_once('.')
        && let Some(p) = position(kind)
    {
        return format!("rule_documents[{p}].{part}");
    }
    if let Some(rest) = path.strip_prefix("rule_documents[")
        && let Some((index, tail)) = rest.split_once(']')
        && let Some(stored) = index.parse::<usize>().ok().and_then(|i| form.rule_documents.get(i))
        && let Some(p) = position(&stored.kind)
    {
        return format!("rule_documents[{p}]{tail}");
    }
    path.to_owned()
}

/// Where a missing or wrong part of the form is fixed: its step, at its field.
fn fix_href(id: ApplicationId, path: &str, form: &ApplicationForm, policy: &PolicyDocument) -> Option<String> {
    let step = Step::of_field(path)?;
    let path = page_path(path, form, policy);
    Some(format!("/applications/{id}/edit/{}#{}", step.slug(), field_id(&path)))
}

// ---------------------------------------------------------------------------------------------
// Form widgets: what a step draws, named by the domain's paths

// The widgets of a draft's steps: kit inputs that are neither required nor marked optional
// (a draft is saved incomplete and checked on submit), named by the domain's form paths.

fn text_widget(name: String, label: impl Into<String>, value: &str, maxlength: usize) -> Input {
    Input::text(name, label).value(value).maxlength(maxlength).unmarked()
}

/// A whole number.
fn number_widget(name: String, label: impl Into<String>, value: &str) -> Input {
    text_widget(name, label, value, 9).inputmode("numeric")
}

fn money_widget(name: String, label: impl Into<String>, value: &str) -> Input {
    text_widget(name, label, value, 20).inputmode("decimal")
}

fn area_widget(name: String, label: impl Into<String>, value: &str, maxlength: usize) -> Input {
    Input::new(name, label, Control::Area { rows: 5 }).value(value).maxlength(maxlength).unmarked()
}

/// A choice of `options` (value, label), with an empty 「请选择」 first.
fn select_widget(name: String, label: impl Into<String>, value: &str, options: Vec<(String, String)>) -> Input {
    Input::select(name, label, options).value(value).unmarked()
}

fn check_widget(name: String, label: impl Into<String>, checked: bool) -> Input {
    Input::new(name, label, Control::Check { checked }).unmarked()
}

fn checks_widget(
    name: String,
    label: impl Into<String>,
    options: Vec<(String, String)>,
    selected: &[String],
    empty: &'static str,
) -> Input {
    let choices =
        options.into_iter().map(|(v, l)| Choice { selected: selected.contains(&v), value: v, label: l }).collect();
    Input::new(name, label, Control::Checks { choices, empty }).unmarked()
}

#[derive(Debug)]
struct Row {
    header: Option<String>,
    cells: Vec<Input>,
}

/// A list entered as table rows (equipment, experts, companies …).
#[derive(Debug)]
struct Grid {
    key: String,
    caption: String,
    /// The heading of the row-heading column, when rows have headings.
    header: &'static str,
    columns: Vec<&'static str>,
    rows: Vec<Row>,
    error: Option<String>,
    /// The label of the 「增加一行」 button, for lists that grow.
    add: Option<&'static str>,
}

impl Grid {
    fn id(&self) -> String {
        field_id(&self.key)
    }

    fn has_header(&self) -> bool {
        self.rows.iter().any(|r| r.header.is_some())
    }
}

/// A fieldset: its inputs, its tables, and inputs after the tables.
#[derive(Debug)]
struct Block {
    key: String,
    legend: String,
    hint: Option<String>,
    error: Option<String>,
    widgets: Vec<Input>,
    grids: Vec<Grid>,
    after: Vec<Input>,
}

impl Block {
    fn new(key: impl Into<String>, legend: impl Into<String>) -> Block {
        Block {
            key: key.into(),
            legend: legend.into(),
            hint: None,
            error: None,
            widgets: Vec::new(),
            grids: Vec::new(),
            after: Vec::new(),
        }
    }

    fn id(&self) -> String {
        field_id(&self.key)
    }
}

/// A button that saves and adds one more entry to a list drawn as fieldsets.
#[derive(Debug)]
struct AddButton {
    key: &'static str,
    label: &'static str,
}

/// Something on the page an error can be shown at.
struct Target<'a> {
    name: &'a str,
    context: &'a str,
    label: &'a str,
    slot: &'a mut Option<String>,
}

fn targets(blocks: &mut [Block]) -> Vec<Target<'_>> {
    let mut out = Vec::new();
    for block in blocks.iter_mut() {
        let Block { key, legend, error, widgets, grids, after, .. } = block;
        out.push(Target { name: key.as_str(), context: legend.as_str(), label: "", slot: error });
        for widget in widgets.iter_mut().chain(after.iter_mut()) {
            let Input { name, label, error, .. } = widget;
            out.push(Target { name: name.as_str(), context: legend.as_str(), label: label.as_str(), slot: error });
        }
        for grid in grids.iter_mut() {
            let Grid { key, caption, rows, error, .. } = grid;
            out.push(Target { name: key.as_str(), context: legend.as_str(), label: caption.as_str(), slot: error });
            for row in rows.iter_mut() {
                for widget in row.cells.iter_mut() {
                    let Input { name, label, error, .. } = widget;
                    out.push(Target {
                        name: name.as_str(),
                        context: legend.as_str(),
                        label: label.as_str(),
                        slot: error,
                    });
                }
            }
        }
    }
    out
}

/// Puts each error beside the input its path names (the one whose path is the closest above
/// it), and lists them all for the summary, each linking to its input.
fn place_errors(blocks: &mut [Block], errors: &[FieldError]) -> Vec<Line> {
    let mut targets = targets(blocks);
    errors
        .iter()
        .map(|error| {
            let best = targets.iter_mut().filter(|t| above_or_at(&error.field, t.name)).max_by_key(|t| t.name.len());
            match best {
                Some(target) => {
                    target.slot.get_or_insert_with(|| error.message.clone());
                    let what = if target.label.is_empty() {
                        target.context.to_owned()
                    } else {
                        format!("{}·{}", target.context, target.label)
                    };
                    Line {
                        message: format!("{what}：{}", error.message),
                        href: Some(format!("#{}", field_id(target.name))),
                    }
                }
                None => Line { message: error.message.clone(), href: None },
            }
        })
        .collect()
}

/// The anchor of the input closest to `path`.
fn anchor_of(blocks: &mut [Block], path: &str) -> Option<String> {
    targets(blocks)
        .into_iter()
        .filter(|t| above_or_at(path, t.name))
        .max_by_key(|t| t.name.len())
        .map(|t| format!("#{}", field_id(t.name)))
}

// ---------------------------------------------------------------------------------------------
// A step's inputs as typed: from the stored form, or from a post

#[derive(Debug, Clone, Default)]
struct ProfileRaw {
    industry: String,
    division: String,
    experience: String,
    open: bool,
}

#[derive(Debug, Clone, Default)]
struct EquipmentRaw {
    name: String,
    quantity: String,
    value: String,
}

impl EquipmentRaw {
    fn is_blank(&self) -> bool {
        [&self.name, &self.quantity, &self.value].iter().all(|s| s.trim().is_empty())
    }
}

#[derive(Debug, Clone, Default)]
struct SiteRaw {
    name: String,
    address: String,
    area: String,
    equipment: Vec<EquipmentRaw>,
    photos: Vec<String>,
}

impl SiteRaw {
    fn blank() -> SiteRaw {
        SiteRaw { equipment: vec![EquipmentRaw::default()], ..SiteRaw::default() }
    }

    fn is_blank(&self) -> bool {
        [&self.name, &self.address, &self.area].iter().all(|s| s.trim().is_empty())
            && self.equipment.iter().all(EquipmentRaw::is_blank)
            && self.photos.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
struct ExpertRaw {
    name: String,
    title: String,
    qualification: String,
}

impl ExpertRaw {
    fn is_blank(&self) -> bool {
        [&self.name, &self.title, &self.qualification].iter().all(|s| s.trim().is_empty())
    }
}

#[derive(Debug, Clone, Default)]
struct TeamRaw {
    department: String,
    staff: String,
    experts: Vec<ExpertRaw>,
}

#[derive(Debug, Clone, Default)]
struct RuleRaw {
    kind: String,
    name: String,
    document: String,
    wall_photo: String,
}

#[derive(Debug, Clone, Default)]
struct ClaimRaw {
    basis: String,
    description: String,
    certificate: String,
}

impl ClaimRaw {
    fn is_blank(&self) -> bool {
        [&self.basis, &self.description, &self.certificate].iter().all(|s| s.trim().is_empty())
    }
}

#[derive(Debug, Clone, Default)]
struct ProjectRaw {
    occupation: String,
    levels: Vec<String>,
    criteria: Vec<String>,
    capacity: String,
    description: String,
}

impl ProjectRaw {
    fn is_blank(&self) -> bool {
        [&self.occupation, &self.capacity, &self.description].iter().all(|s| s.trim().is_empty())
            && self.levels.is_empty()
            && self.criteria.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
struct CompanyRaw {
    name: String,
    uscc: String,
    relation: String,
}

impl CompanyRaw {
    fn is_blank(&self) -> bool {
        [&self.name, &self.uscc, &self.relation].iter().all(|s| s.trim().is_empty())
    }
}

#[derive(Debug, Clone, Default)]
struct TraineesRaw {
    own_staff: String,
    students: String,
    companies: Vec<CompanyRaw>,
}

/// One step's inputs, as strings.
#[derive(Debug, Clone)]
enum Raw {
    Profile(ProfileRaw),
    Sites(Vec<SiteRaw>),
    Team(TeamRaw),
    Rules(Vec<RuleRaw>),
    Priority(Vec<ClaimRaw>),
    Projects(Vec<ProjectRaw>),
    Trainees(TraineesRaw),
    Letter(String),
}

/// Rows beyond this are not read (the domain allows [`MAX_ITEMS`]; one more lets it say so).
const ROW_CAP: usize = MAX_ITEMS + 1;

fn count_text(n: u32) -> String {
    if n == 0 { String::new() } else { n.to_string() }
}

fn money_text(m: Money) -> String {
    if m.fen() == 0 { String::new() } else { m.to_yuan_string() }
}

fn file_text(id: Option<AttachmentId>) -> String {
    id.map(|id| id.to_string()).unwrap_or_default()
}

/// The fields of a form post.
struct Posted<'a>(&'a [(String, String)]);

impl Posted<'_> {
    fn one(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect();
        out.dedup();
        out
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }

    /// How many rows of the list `list` were posted (`list[0].…` to `list[n-1].…`).
    fn rows(&self, list: &str) -> usize {
        let mut n = 0;
        for (key, _) in self.0 {
            let Some(rest) = key.strip_prefix(list).and_then(|r| r.strip_prefix('[')) else { continue };
            let Some((index, tail)) = rest.split_once(']') else { continue };
            if !(tail.is_empty() || tail.starts_with('.') || tail.starts_with('[')) {
                continue;
            }
            if let Ok(i) = index.parse::<usize>()
                && i < ROW_CAP
            {
                n = n.max(i + 1);
            }
        }
        n
    }
}

impl Raw {
    /// The step as stored, with blank rows to add to.
    fn from_form(step: Step, form: &ApplicationForm, policy: &PolicyDocument) -> Raw {
        match step {
            Step::Profile => {
                let p = &form.profile;
                Raw::Profile(ProfileRaw {
                    industry: p.industry.clone(),
                    division: if p.registered_division.is_empty() {
                        policy.district_division_code().to_owned()
                    } else {
                        p.registered_division.clone()
                    },
                    experience: p.training_experience.clone(),
                    open: p.open_to_region,
                })
            }
            Step::Sites => {
                let mut sites: Vec<SiteRaw> = form
                    .sites
                    .iter()
                    .map(|s| SiteRaw {
                        name: s.name.clone(),
                        address: s.address.clone(),
                        area: count_text(s.area_m2),
                        equipment: s
                            .equipment
                            .iter()
                            .map(|e| EquipmentRaw {
                                name: e.name.clone(),
                                quantity: count_text(e.quantity),
                                value: money_text(e.value),
                            })
                            .chain(std::iter::once(EquipmentRaw::default()))
                            .collect(),
                        photos: s.photos.iter().map(ToString::to_string).collect(),
                    })
                    .collect();
                if sites.is_empty() {
                    sites.push(SiteRaw::blank());
                }
                Raw::Sites(sites)
            }
            Step::Team => Raw::Team(TeamRaw {
                department: form.team.department.clone(),
                staff: count_text(form.team.full_time_staff),
                experts: form
                    .team
                    .experts
                    .iter()
                    .map(|e| ExpertRaw {
                        name: e.name.clone(),
                        title: e.title.clone(),
                        qualification: e.qualification.clone(),
                    })
                    .chain(std::iter::once(ExpertRaw::default()))
                    .collect(),
            }),
            Step::Rules => Raw::Rules(
                policy
                    .rule_documents()
                    .iter()
                    .map(|kind| {
                        let stored = form.rule_documents.iter().find(|d| d.kind == kind.id());
                        RuleRaw {
                            kind: kind.id().to_owned(),
                            name: kind.name().to_owned(),
                            document: file_text(stored.and_then(|d| d.document)),
                            wall_photo: file_text(stored.and_then(|d| d.wall_photo)),
                        }
                    })
                    .collect(),
            ),
            Step::Priority => Raw::Priority(
                form.priority_claims
                    .iter()
                    .map(|c| ClaimRaw {
                        basis: c.basis.clone(),
                        description: c.description.clone(),
                        certificate: file_text(c.certificate),
                    })
                    .chain(std::iter::once(ClaimRaw::default()))
                    .collect(),
            ),
            Step::Projects => {
                let mut projects: Vec<ProjectRaw> = form
                    .projects
                    .iter()
                    .map(|p| ProjectRaw {
                        occupation: p.occupation.as_str().to_owned(),
                        levels: p.levels.iter().map(|l| l.as_str().to_owned()).collect(),
                        criteria: p.criteria.clone(),
                        capacity: count_text(p.annual_capacity),
                        description: p.description.clone(),
                    })
                    .collect();
                if projects.is_empty() {
                    projects.push(ProjectRaw::default());
                }
                Raw::Projects(projects)
            }
            Step::Trainees => Raw::Trainees(TraineesRaw {
                own_staff: count_text(form.trainees.own_staff),
                students: count_text(form.trainees.students),
                companies: form
                    .trainees
                    .supply_chain
                    .iter()
                    .map(|c| CompanyRaw {
                        name: c.name.clone(),
                        uscc: c.uscc.as_str().to_owned(),
                        relation: match c.relation {
                            Relation::Upstream => "upstream".to_owned(),
                            Relation::Downstream => "downstream".to_owned(),
                        },
                    })
                    .chain(std::iter::once(CompanyRaw::default()))
                    .collect(),
            }),
            Step::Letter => Raw::Letter(file_text(form.commitment_letter)),
        }
    }

    /// The step as posted, rows as drawn (blank ones too).
    fn from_post(step: Step, p: &Posted<'_>, policy: &PolicyDocument) -> Raw {
        match step {
            Step::Profile => Raw::Profile(ProfileRaw {
                industry: p.one("profile.industry"),
                division: p.one("profile.registered_division"),
                experience: p.one("profile.training_experience"),
                open: p.has("profile.open_to_region"),
            }),
            Step::Sites => Raw::Sites(
                (0..p.rows("sites"))
                    .map(|i| {
                        let s = format!("sites[{i}]");
                        SiteRaw {
                            name: p.one(&format!("{s}.name")),
                            address: p.one(&format!("{s}.address")),
                            area: p.one(&format!("{s}.area_m2")),
                            equipment: (0..p.rows(&format!("{s}.equipment")))
                                .map(|j| EquipmentRaw {
                                    name: p.one(&format!("{s}.equipment[{j}].name")),
                                    quantity: p.one(&format!("{s}.equipment[{j}].quantity")),
                                    value: p.one(&format!("{s}.equipment[{j}].value")),
                                })
                                .collect(),
                            photos: p.all(&format!("{s}.photos")),
                        }
                    })
                    .collect(),
            ),
            Step::Team => Raw::Team(TeamRaw {
                department: p.one("team.department"),
                staff: p.one("team.full_time_staff"),
                experts: (0..p.rows("team.experts"))
                    .map(|i| ExpertRaw {
                        name: p.one(&format!("team.experts[{i}].name")),
                        title: p.one(&format!("team.experts[{i}].title")),
                        qualification: p.one(&format!("team.experts[{i}].qualification")),
                    })
                    .collect(),
            }),
            Step::Rules => Raw::Rules(
                policy
                    .rule_documents()
                    .iter()
                    .enumerate()
                    .map(|(i, kind)| RuleRaw {
                        kind: kind.id().to_owned(),
                        name: kind.name().to_owned(),
                        document: p.one(&format!("rule_documents[{i}].document")),
                        wall_photo: p.one(&format!("rule_documents[{i}].wall_photo")),
                    })
                    .collect(),
            ),
            Step::Priority => Raw::Priority(
                (0..p.rows("priority_claims"))
                    .map(|i| ClaimRaw {
                        basis: p.one(&format!("priority_claims[{i}].basis")),
                        description: p.one(&format!("priority_claims[{i}].description")),
                        certificate: p.one(&format!("priority_claims[{i}].certificate")),
                    })
                    .collect(),
            ),
            Step::Projects => Raw::Projects(
                (0..p.rows("projects"))
                    .map(|i| ProjectRaw {
                        occupation: p.one(&format!("projects[{i}].occupation")),
                        levels: p.all(&format!("projects[{i}].levels")),
                        criteria: p.all(&format!("projects[{i}].criteria")),
                        capacity: p.one(&format!("projects[{i}].annual_capacity")),
                        description: p.one(&format!("projects[{i}].description")),
                    })
                    .collect(),
            ),
            Step::Trainees => Raw::Trainees(TraineesRaw {
                own_staff: p.one("trainees.own_staff"),
                students: p.one("trainees.students"),
                companies: (0..p.rows("trainees.supply_chain"))
                    .map(|i| CompanyRaw {
                        name: p.one(&format!("trainees.supply_chain[{i}].name")),
                        uscc: p.one(&format!("trainees.supply_chain[{i}].uscc")),
                        relation: p.one(&format!("trainees.supply_chain[{i}].relation")),
                    })
                    .collect(),
            }),
            Step::Letter => Raw::Letter(p.one("commitment_letter")),
        }
    }

    /// One more blank row in the list `key` (a path as drawn: `sites[0].equipment`).
    fn add_row(&mut self, key: &str) {
        fn grow<T: Default>(rows: &mut Vec<T>) {
            if rows.len() < ROW_CAP {
                rows.push(T::default());
            }
        }
        match self {
            Raw::Sites(sites) if key == "sites" && sites.len() < ROW_CAP => sites.push(SiteRaw::blank()),
            Raw::Sites(_) if key == "sites" => {}
            Raw::Sites(sites) => {
                let index = key
                    .strip_prefix("sites[")
                    .and_then(|r| r.strip_suffix("].equipment"))
                    .and_then(|i| i.parse::<usize>().ok());
                if let Some(site) = index.and_then(|i| sites.get_mut(i)) {
                    grow(&mut site.equipment);
                }
            }
            Raw::Team(team) if key == "team.experts" => grow(&mut team.experts),
            Raw::Priority(claims) if key == "priority_claims" => grow(claims),
            Raw::Projects(projects) if key == "projects" => grow(projects),
            Raw::Trainees(trainees) if key == "trainees.supply_chain" => grow(&mut trainees.companies),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing a step into its typed section

/// Stored paths of list entries and the paths they were posted under (a blank row is not
/// stored, so the rows after it move up); a domain error about a stored entry is shown at the
/// row that was typed.
#[derive(Debug, Default)]
struct Renumbering(Vec<(String, String)>);

impl Renumbering {
    fn add(&mut self, stored: String, posted: String) {
        self.0.push((stored, posted));
    }

    fn posted(&self, path: &str) -> String {
        match self.0.iter().filter(|(stored, _)| above_or_at(path, stored)).max_by_key(|(stored, _)| stored.len()) {
            Some((stored, posted)) => format!("{posted}{}", &path[stored.len()..]),
            None => path.to_owned(),
        }
    }
}

/// Collects the problems of a step's inputs while turning them into typed values.
struct Parser<'a> {
    files: &'a [Attachment],
    errors: Vec<FieldError>,
    renumbering: Renumbering,
}

/// Counts larger than this are typing errors.
const MAX_COUNT: u32 = 10_000_000;

/// Full-width digits (typed with a Chinese input method) as ASCII.
fn ascii_digits(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c),
            c => c,
        })
        .collect()
}

impl Parser<'_> {
    fn error(&mut self, field: String, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    /// A whole number; empty is 0 (whether it is required is asked on submit).
    fn count(&mut self, text: &str, field: String, message: &str) -> u32 {
        let text = ascii_digits(text);
        if text.is_empty() {
            return 0;
        }
        match text.parse::<u32>() {
            Ok(n) if n <= MAX_COUNT => n,
            _ => {
                self.error(field, "invalid_number", message);
                0
            }
        }
    }

    /// An amount in 元; empty is zero.
    fn money(&mut self, text: &str, field: String) -> Money {
        let text = ascii_digits(text);
        if text.is_empty() {
            return Money::ZERO;
        }
        match Money::parse(&text) {
            Ok(money) => money,
            Err(e) => {
                self.error(field, e.code(), e.to_string());
                Money::ZERO
            }
        }
    }

    /// One of this application's uploaded files; empty is none.
    fn file(&mut self, text: &str, field: String) -> Option<AttachmentId> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let found = AttachmentId::from_str(text).ok().filter(|id| self.files.iter().any(|f| f.id == *id));
        if found.is_none() {
            self.error(field, "unknown_attachment", "请从本申报已上传的附件中选择");
        }
        found
    }
}

fn text(s: &str) -> String {
    s.trim().to_owned()
}

/// The stored form with the step's section replaced by what was posted, and the problems found.
fn parse(raw: &Raw, stored: &ApplicationForm, files: &[Attachment]) -> (ApplicationForm, Vec<FieldError>, Renumbering) {
    let mut p = Parser { files, errors: Vec::new(), renumbering: Renumbering::default() };
    let mut form = stored.clone();
    match raw {
        Raw::Profile(r) => {
            form.profile = Profile {
                industry: text(&r.industry),
                registered_division: ascii_digits(&r.division),
                training_experience: text(&r.experience),
                open_to_region: r.open,
            };
        }
        Raw::Sites(rows) => {
            let mut sites = Vec::new();
            for (i, s) in rows.iter().enumerate() {
                if s.is_blank() {
                    continue;
                }
                let k = sites.len();
                p.renumbering.add(format!("sites[{k}]"), format!("sites[{i}]"));
                let area_m2 = p.count(&s.area, format!("sites[{i}].area_m2"), "场地面积应填写整数（平方米），如 800");
                let mut equipment = Vec::new();
                for (j, e) in s.equipment.iter().enumerate() {
                    if e.is_blank() {
                        continue;
                    }
                    p.renumbering.add(
                        format!("sites[{k}].equipment[{}]", equipment.len()),
                        format!("sites[{i}].equipment[{j}]"),
                    );
                    equipment.push(Equipment {
                        name: text(&e.name),
                        quantity: p.count(&e.quantity, format!("sites[{i}].equipment[{j}].quantity"), "数量应填写整数"),
                        value: p.money(&e.value, format!("sites[{i}].equipment[{j}].value")),
                    });
                }
                let mut photos = Vec::new();
                for photo in &s.photos {
                    if let Some(id) = p.file(photo, format!("sites[{i}].photos"))
                        && !photos.contains(&id)
                    {
                        photos.push(id);
                    }
                }
                sites.push(Site { name: text(&s.name), address: text(&s.address), area_m2, equipment, photos });
            }
            form.sites = sites;
        }
        Raw::Team(r) => {
            let full_time_staff = p.count(&r.staff, "team.full_time_staff".into(), "专职人员数应填写整数");
            let mut experts = Vec::new();
            for (i, e) in r.experts.iter().enumerate() {
                if e.is_blank() {
                    continue;
                }
                p.renumbering.add(format!("team.experts[{}]", experts.len()), format!("team.experts[{i}]"));
                experts.push(TeamExpert {
                    name: text(&e.name),
                    title: text(&e.title),
                    qualification: text(&e.qualification),
                });
            }
            form.team = Team { department: text(&r.department), full_time_staff, experts };
        }
        Raw::Rules(rows) => {
            form.rule_documents = rows
                .iter()
                .enumerate()
                .map(|(i, r)| RuleDocument {
                    kind: r.kind.clone(),
                    document: p.file(&r.document, format!("rule_documents[{i}].document")),
                    wall_photo: p.file(&r.wall_photo, format!("rule_documents[{i}].wall_photo")),
                })
                .collect();
        }
        Raw::Priority(rows) => {
            let mut claims = Vec::new();
            for (i, c) in rows.iter().enumerate() {
                if c.is_blank() {
                    continue;
                }
                p.renumbering.add(format!("priority_claims[{}]", claims.len()), format!("priority_claims[{i}]"));
                if c.basis.trim().is_empty() {
                    p.error(format!("priority_claims[{i}].basis"), "required", "请选择优先认定依据");
                }
                claims.push(PriorityClaim {
                    basis: text(&c.basis),
                    description: text(&c.description),
                    certificate: p.file(&c.certificate, format!("priority_claims[{i}].certificate")),
                });
            }
            form.priority_claims = claims;
        }
        Raw::Projects(rows) => {
            let mut projects = Vec::new();
            for (i, r) in rows.iter().enumerate() {
                if r.is_blank() {
                    continue;
                }
                let field = format!("projects[{i}].occupation");
                let occupation = if r.occupation.trim().is_empty() {
                    p.error(field, "required", "请填写职业（工种）编码");
                    None
                } else {
                    OccupationCode::parse(&r.occupation).map_err(|e| p.error(field, e.code(), e.to_string())).ok()
                };
                let annual_capacity =
                    p.count(&r.capacity, format!("projects[{i}].annual_capacity"), "年培训能力应填写整数（人次）");
                let levels: Vec<SkillLevel> =
                    SkillLevel::ALL.into_iter().filter(|l| r.levels.iter().any(|s| s == l.as_str())).collect();
                if let Some(occupation) = occupation {
                    p.renumbering.add(format!("projects[{}]", projects.len()), format!("projects[{i}]"));
                    projects.push(Project {
                        occupation,
                        levels,
                        criteria: r.criteria.clone(),
                        annual_capacity,
                        description: text(&r.description),
                    });
                }
            }
            form.projects = projects;
        }
        Raw::Trainees(r) => {
            let own_staff = p.count(&r.own_staff, "trainees.own_staff".into(), "人数应填写整数");
            let students = p.count(&r.students, "trainees.students".into(), "人数应填写整数");
            let mut supply_chain = Vec::new();
            for (i, c) in r.companies.iter().enumerate() {
                if c.is_blank() {
                    continue;
                }
                let at = |part: &str| format!("trainees.supply_chain[{i}].{part}");
                if c.name.trim().is_empty() {
                    p.error(at("name"), "required", "请填写企业名称");
                }
                let uscc = if c.uscc.trim().is_empty() {
                    p.error(at("uscc"), "required", "请填写统一社会信用代码");
                    None
                } else {
                    Uscc::parse(&c.uscc).map_err(|e| p.error(at("uscc"), e.code(), e.to_string())).ok()
                };
                let relation = match c.relation.as_str() {
                    "upstream" => Some(Relation::Upstream),
                    "downstream" => Some(Relation::Downstream),
                    _ => {
                        p.error(at("relation"), "required", "请选择上游或下游");
                        None
                    }
                };
                if let (Some(uscc), Some(relation)) = (uscc, relation) {
                    p.renumbering.add(
                        format!("trainees.supply_chain[{}]", supply_chain.len()),
                        format!("trainees.supply_chain[{i}]"),
                    );
                    supply_chain.push(SupplyChainCompany { name: text(&c.name), uscc, relation });
                }
            }
            form.trainees = Trainees { own_staff, students, supply_chain };
        }
        Raw::Letter(letter) => {
            form.commitment_letter = p.file(letter, "commitment_letter".into());
        }
    }
    (form, p.errors, p.renumbering)
}

// ---------------------------------------------------------------------------------------------
// Drawing a step

/// The application's files as choices: (id, label), images only when asked, plus whatever is
/// already chosen.
fn file_options(files: &[Attachment], images_only: bool, chosen: &[&str]) -> Vec<(String, String)> {
    files
        .iter()
        .filter(|f| !images_only || is_image(&f.kind) || chosen.contains(&f.id.to_string().as_str()))
        .map(|f| (f.id.to_string(), format!("{}（{}，{}）", f.display_name, kind_label(&f.kind), size_text(f.size))))
        .collect()
}

fn blocks(raw: &Raw, policy: &PolicyDocument, files: &[Attachment]) -> (Vec<Block>, Vec<AddButton>) {
    match raw {
        Raw::Profile(r) => {
            let mut block = Block::new("profile", "建设主体");
            block.widgets = vec![
                select_widget(
                    "profile.industry".into(),
                    "所属重点产业",
                    &r.industry,
                    policy.industries().iter().map(|t| (t.id().to_owned(), t.name().to_owned())).collect(),
                )
                .hint("按《实施意见》第一条所列的本区重点产业选择"),
                text_widget("profile.registered_division".into(), "注册地行政区划代码", &r.division, 6)
                    .hint(format!("6 位数字，青浦区为 {}", policy.district_division_code())),
                area_widget("profile.training_experience".into(), "技能人才实训组织实施经验", &r.experience, MAX_TEXT)
                    .hint("近年来组织开展技能人才实训的情况：项目、人次、方式和成效"),
                check_widget("profile.open_to_region".into(), "本单位愿意为区域技能人才提供实训条件", r.open),
            ];
            (vec![block], vec![])
        }
        Raw::Sites(sites) => {
            let blocks = sites
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let at = |part: &str| format!("sites[{i}].{part}");
                    let mut block = Block::new(format!("sites[{i}]"), format!("实训场地 {}", i + 1));
                    block.widgets = vec![
                        text_widget(at("name"), "场地名称", &s.name, MAX_NAME),
                        text_widget(at("address"), "场地地址", &s.address, MAX_NAME),
                        number_widget(at("area_m2"), "场地面积（平方米）", &s.area).hint("填整数，如 800"),
                    ];
                    block.grids = vec![Grid {
                        key: at("equipment"),
                        caption: "教学设施设备".to_owned(),
                        header: "",
                        columns: vec!["设备名称", "数量（台/套）", "价值（元）"],
                        rows: s
                            .equipment
                            .iter()
                            .enumerate()
                            .map(|(j, e)| {
                                let row = |part: &str| format!("sites[{i}].equipment[{j}].{part}");
                                Row {
                                    header: None,
                                    cells: vec![
                                        text_widget(
                                            row("name"),
                                            format!("设备第 {} 行 名称", j + 1),
                                            &e.name,
                                            MAX_NAME,
                                        )
                                        .cell(),
                                        number_widget(
                                            row("quantity"),
                                            format!("设备第 {} 行 数量", j + 1),
                                            &e.quantity,
                                        )
                                        .cell(),
                                        money_widget(row("value"), format!("设备第 {} 行 价值（元）", j + 1), &e.value)
                                            .cell(),
                                    ],
                                }
                            })
                            .collect(),
                        error: None,
                        add: Some("增加一行设备"),
                    }];
                    let chosen: Vec<&str> = s.photos.iter().map(String::as_str).collect();
                    block.after = vec![
                        checks_widget(
                            at("photos"),
                            "场地照片",
                            file_options(files, true, &chosen),
                            &s.photos,
                            "尚未上传图片：请先用本页上方的「上传附件」上传 JPG 或 PNG 照片。",
                        )
                        .hint("勾选本场地的照片（从本申报已上传的图片中选择）"),
                    ];
                    block
                })
                .collect();
            (blocks, vec![AddButton { key: "sites", label: "增加一处实训场地" }])
        }
        Raw::Team(r) => {
            let mut block = Block::new("team", "师资管理团队");
            block.widgets = vec![
                text_widget("team.department".into(), "负责推进和管理的专门部门", &r.department, MAX_NAME),
                number_widget("team.full_time_staff".into(), "专职人员数（人）", &r.staff),
            ];
            block.grids = vec![Grid {
                key: "team.experts".into(),
                caption: "相关行业领域专家队伍".to_owned(),
                header: "",
                columns: vec!["姓名", "职称或技能等级", "资格证书或专业领域"],
                rows: r
                    .experts
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let at = |part: &str| format!("team.experts[{i}].{part}");
                        let n = i + 1;
                        Row {
                            header: None,
                            cells: vec![
                                text_widget(at("name"), format!("专家第 {n} 行 姓名"), &e.name, MAX_NAME).cell(),
                                text_widget(at("title"), format!("专家第 {n} 行 职称或技能等级"), &e.title, MAX_NAME)
                                    .cell(),
                                text_widget(
                                    at("qualification"),
                                    format!("专家第 {n} 行 资格证书或专业领域"),
                                    &e.qualification,
                                    MAX_NAME,
                                )
                                .cell(),
                            ],
                        }
                    })
                    .collect(),
                error: None,
                add: Some("增加一名专家"),
            }];
            (vec![block], vec![])
        }
        Raw::Rules(rows) => {
            let mut block = Block::new("rule_documents", "规范管理制度");
            block.hint = Some(
                "每项制度选择制度文件（PDF）和制度上墙的照片（JPG/PNG）；文件请先用本页上方的「上传附件」上传。"
                    .to_owned(),
            );
            block.grids = vec![Grid {
                key: "rule_documents".into(),
                caption: "管理制度及上墙照片".to_owned(),
                header: "制度",
                columns: vec!["制度文件", "上墙照片"],
                rows: rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| Row {
                        header: Some(r.name.clone()),
                        cells: vec![
                            select_widget(
                                format!("rule_documents[{i}].document"),
                                format!("《{}》制度文件", r.name),
                                &r.document,
                                file_options(files, false, &[]),
                            )
                            .cell(),
                            select_widget(
                                format!("rule_documents[{i}].wall_photo"),
                                format!("《{}》上墙照片", r.name),
                                &r.wall_photo,
                                file_options(files, true, &[r.wall_photo.as_str()]),
                            )
                            .cell(),
                        ],
                    })
                    .collect(),
                error: None,
                add: None,
            }];
            (vec![block], vec![])
        }
        Raw::Priority(rows) => {
            let mut block = Block::new("priority_claims", "优先认定（可不填）");
            block.hint = Some(
                "具有紧缺培训项目，或已是上海市/国家级高技能人才培养基地、世界技能大赛国家或上海集训基地的，可申请优先认定，并上传认定证书或证明材料。不申请的请留空。"
                    .to_owned(),
            );
            let bases: Vec<(String, String)> =
                policy.priority_bases().iter().map(|b| (b.id().to_owned(), b.name().to_owned())).collect();
            block.grids = vec![Grid {
                key: "priority_claims".into(),
                caption: "优先认定依据".to_owned(),
                header: "",
                columns: vec!["依据", "说明", "证明材料"],
                rows: rows
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let at = |part: &str| format!("priority_claims[{i}].{part}");
                        let n = i + 1;
                        Row {
                            header: None,
                            cells: vec![
                                select_widget(at("basis"), format!("第 {n} 项 依据"), &c.basis, bases.clone()).cell(),
                                text_widget(at("description"), format!("第 {n} 项 说明"), &c.description, MAX_TEXT)
                                    .cell(),
                                select_widget(
                                    at("certificate"),
                                    format!("第 {n} 项 证明材料"),
                                    &c.certificate,
                                    file_options(files, false, &[]),
                                )
                                .cell(),
                            ],
                        }
                    })
                    .collect(),
                error: None,
                add: Some("增加一项"),
            }];
            (vec![block], vec![])
        }
        Raw::Projects(projects) => {
            let levels: Vec<(String, String)> =
                SkillLevel::ALL.into_iter().map(|l| (l.as_str().to_owned(), l.label().to_owned())).collect();
            let criteria: Vec<(String, String)> = policy
                .project_criteria()
                .iter()
                .map(|c| (c.id().to_owned(), format!("{}：{}", c.name(), c.text())))
                .collect();
            let blocks = projects
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let at = |part: &str| format!("projects[{i}].{part}");
                    let mut block = Block::new(format!("projects[{i}]"), format!("培育项目 {}", i + 1));
                    let known = OccupationCode::parse(&r.occupation).ok();
                    let hint = match known {
                        Some(code) => format!("{}：{}", code.as_str(), code.name()),
                        None => "职业分类大典（2022年版）的职业编码，如 6-18-01-01；不知道编码的，可用上方的「查询职业（工种）」按名称查找".to_owned(),
                    };
                    block.widgets = vec![
                        text_widget(at("occupation"), "职业（工种）编码", &r.occupation, 10).hint(hint),
                        checks_widget(at("levels"), "培训等级", levels.clone(), &r.levels, ""),
                        checks_widget(
                            at("criteria"),
                            "符合的条件（至少一项）",
                            criteria.clone(),
                            &r.criteria,
                            "",
                        ),
                        number_widget(at("annual_capacity"), "年培训能力（人次）", &r.capacity),
                        area_widget(at("description"), "项目说明（可不填）", &r.description, MAX_TEXT),
                    ];
                    block
                })
                .collect();
            (blocks, vec![AddButton { key: "projects", label: "增加一个培育项目" }])
        }
        Raw::Trainees(r) => {
            let mut block = Block::new("trainees", "培育对象");
            block.widgets = vec![
                number_widget("trainees.own_staff".into(), "本单位技能岗位从业人员（人）", &r.own_staff),
                number_widget("trainees.students".into(), "院校学生（人）", &r.students),
            ];
            let relations =
                vec![("upstream".to_owned(), "上游".to_owned()), ("downstream".to_owned(), "下游".to_owned())];
            block.grids = vec![Grid {
                key: "trainees.supply_chain".into(),
                caption: "纳入实训范围的产业链上下游企业（企业类基地可填）".to_owned(),
                header: "",
                columns: vec!["企业名称", "统一社会信用代码", "上游/下游"],
                rows: r
                    .companies
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let at = |part: &str| format!("trainees.supply_chain[{i}].{part}");
                        let n = i + 1;
                        Row {
                            header: None,
                            cells: vec![
                                text_widget(at("name"), format!("企业第 {n} 行 名称"), &c.name, MAX_NAME).cell(),
                                text_widget(at("uscc"), format!("企业第 {n} 行 统一社会信用代码"), &c.uscc, 18).cell(),
                                select_widget(
                                    at("relation"),
                                    format!("企业第 {n} 行 上游/下游"),
                                    &c.relation,
                                    relations.clone(),
                                )
                                .cell(),
                            ],
                        }
                    })
                    .collect(),
                error: None,
                add: Some("增加一家企业"),
            }];
            (vec![block], vec![])
        }
        Raw::Letter(letter) => {
            let mut block = Block::new("commitment_letter", "承诺书");
            block.hint = Some(
                "请打印申报表，连同承诺书由法定代表人签字并加盖单位公章，扫描后用本页上方的「上传附件」上传，再在此选择。"
                    .to_owned(),
            );
            block.widgets = vec![select_widget(
                "commitment_letter".into(),
                "签字盖章的承诺书",
                letter,
                file_options(files, false, &[]),
            )];
            (vec![block], vec![])
        }
    }
}

#[derive(Debug)]
struct NavStep {
    slug: &'static str,
    title: &'static str,
    done: bool,
    current: bool,
}

#[derive(Template)]
#[template(path = "applicant/step.html")]
struct StepPage {
    page: Page,
    app: Summary,
    nav: Vec<NavStep>,
    step_slug: &'static str,
    step_title: String,
    basis: Option<String>,
    basis_text: Option<String>,
    version: i64,
    blocks: Vec<Block>,
    adds: Vec<AddButton>,
    summary: Vec<Line>,
    todo: Vec<Line>,
    notice: Option<String>,
    error: Option<String>,
    upload: Option<UploadBox>,
    files: Vec<FileRow>,
    occupations: bool,
    next_label: &'static str,
}

/// What a step page says besides its inputs.
#[derive(Debug, Default)]
struct StepMessages {
    errors: Vec<FieldError>,
    notice: Option<String>,
    error: Option<String>,
    upload_error: Option<String>,
}

#[expect(clippy::too_many_arguments, reason = "the parts of one page")]
async fn step_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    ctx: &Ctx,
    step: Step,
    raw: &Raw,
    messages: StepMessages,
    status: StatusCode,
) -> Response {
    let id = ctx.view.row.id;
    let missing = match state.app.missing_parts(&ctx.view).await {
        Ok(missing) => missing,
        Err(error) => return error_page(page, error),
    };
    let nav = Step::ALL
        .into_iter()
        .map(|s| NavStep {
            slug: s.slug(),
            title: s.title(),
            done: !missing.iter().any(|m| Step::of_field(&m.field) == Some(s)),
            current: s == step,
        })
        .collect();
    let (mut blocks, adds) = blocks(raw, &ctx.policy, &ctx.files);
    let summary = place_errors(&mut blocks, &messages.errors);
    let todo = missing
        .iter()
        .filter(|m| Step::of_field(&m.field) == Some(step))
        .map(|m| {
            let path = page_path(&m.field, &ctx.view.form, &ctx.policy);
            Line { message: m.message.clone(), href: anchor_of(&mut blocks, &path) }
        })
        .collect();
    let clause = step.clause().and_then(|c| ctx.policy.clause(c));
    let upload = step.takes_files().then(|| {
        UploadBox::new(id, format!("/applications/{id}/edit/{}", step.slug()), &ctx.policy, messages.upload_error)
    });
    let template = StepPage {
        app: summary_of(who, &ctx.view),
        nav,
        step_slug: step.slug(),
        step_title: step.title().to_owned(),
        basis: clause.map(|c| format!("{}《{}》", c.citation(), c.title())),
        basis_text: clause.map(|c| c.text().to_owned()),
        version: ctx.view.row.version,
        blocks,
        adds,
        summary,
        todo,
        notice: messages.notice,
        error: messages.error,
        upload,
        files: if step.takes_files() { file_rows(id, &ctx.files) } else { Vec::new() },
        occupations: step == Step::Projects,
        next_label: if step.next().is_some() { "保存并下一步" } else { "保存并返回申报概览" },
        page,
    };
    respond(status, &template.page.clone(), &template)
}

/// `GET /applications/{id}/edit/{step}`.
async fn edit(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((id, step)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let (Some(id), Some(step)) = (parse_id::<ApplicationId>(&id), Step::parse(&step)) else { return not_found(page) };
    let ctx = match context(&state, &who, id).await {
        Ok(ctx) => ctx,
        Err(error) => return error_page(page, error),
    };
    if !ctx.view.status.is_editable() {
        return Redirect::to(&format!("/applications/{id}")).into_response();
    }
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    let notice = if params.get("uploaded").is_some() {
        Some("文件已上传，请在下方选择。".to_owned())
    } else if params.get("saved").is_some() {
        Some("上一步已保存。".to_owned())
    } else {
        None
    };
    let raw = Raw::from_form(step, &ctx.view.form, &ctx.policy);
    let messages = StepMessages { notice, ..StepMessages::default() };
    step_page(&state, page, &who, &ctx, step, &raw, messages, StatusCode::OK).await
}

/// `POST /applications/{id}/edit/{step}`: saves this step's section only, then shows the step
/// again (「保存」, 「增加一行」) or goes on (「保存并下一步」). Nothing is saved while any input
/// has a problem; the page comes back with what was typed.
async fn save(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, step)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let (Some(id), Some(step)) = (parse_id::<ApplicationId>(&id), Step::parse(&step)) else { return not_found(page) };
    let ctx = match context(&state, &who, id).await {
        Ok(ctx) => ctx,
        Err(error) => return error_page(page, error),
    };
    let mut raw = Raw::from_post(step, &Posted(&fields.0), &ctx.policy);
    let version = fields.get("version").and_then(|v| v.trim().parse::<i64>().ok());
    let add = fields.get("add").map(str::to_owned);
    let go_on = fields.get("go") == Some("next") && add.is_none();

    if !ctx.view.status.is_editable() {
        let error = format!("申报当前为「{}」，不能修改。", ctx.view.status.applicant_label());
        let messages = StepMessages { error: Some(error), ..StepMessages::default() };
        return step_page(&state, page, &who, &ctx, step, &raw, messages, StatusCode::BAD_REQUEST).await;
    }
    let (form, mut errors, renumbering) = parse(&raw, &ctx.view.form, &ctx.files);
    // What the domain says about the values of this section, at the rows as typed.
    errors.extend(
        form.malformed(&ctx.policy)
            .into_iter()
            .filter(|e| Step::of_field(&e.field) == Some(step))
            .map(|e| FieldError { field: renumbering.posted(&e.field), ..e }),
    );
    if !errors.is_empty() {
        let messages = StepMessages { errors, ..StepMessages::default() };
        return step_page(&state, page, &who, &ctx, step, &raw, messages, StatusCode::BAD_REQUEST).await;
    }
    let refusal = match state.app.save_form(&who, id, &form, version, &meta).await {
        Ok(_) => None,
        Err(AppError::Fields(errors)) => Some((
            StatusCode::BAD_REQUEST,
            StepMessages {
                errors: errors.into_iter().map(|e| FieldError { field: renumbering.posted(&e.field), ..e }).collect(),
                ..StepMessages::default()
            },
        )),
        Err(AppError::Conflict { .. }) => {
            Some((StatusCode::CONFLICT, StepMessages { error: Some(CONFLICT.to_owned()), ..StepMessages::default() }))
        }
        Err(AppError::Invalid { message, .. }) => {
            Some((StatusCode::BAD_REQUEST, StepMessages { error: Some(message), ..StepMessages::default() }))
        }
        Err(error) => return error_page(page, error),
    };
    if let Some((status, messages)) = refusal {
        return step_page(&state, page, &who, &ctx, step, &raw, messages, status).await;
    }
    if go_on {
        let to = match step.next() {
            Some(next) => format!("/applications/{id}/edit/{}?saved=1", next.slug()),
            None => format!("/applications/{id}?done=saved"),
        };
        return Redirect::to(&to).into_response();
    }
    // Shown again with the new version: as stored, or as typed with one more row.
    let ctx = match context(&state, &who, id).await {
        Ok(ctx) => ctx,
        Err(error) => return error_page(page, error),
    };
    let notice = match &add {
        Some(key) => {
            raw.add_row(key);
            "已保存，并增加了一行。"
        }
        None => {
            raw = Raw::from_form(step, &ctx.view.form, &ctx.policy);
            "已保存。"
        }
    };
    let messages = StepMessages { notice: Some(notice.to_owned()), ..StepMessages::default() };
    step_page(&state, page, &who, &ctx, step, &raw, messages, StatusCode::OK).await
}

// ---------------------------------------------------------------------------------------------
// The occupation picker

#[derive(Debug)]
struct OccupationRow {
    code: &'static str,
    name: &'static str,
}

#[derive(Template)]
#[template(path = "applicant/occupations_fragment.html")]
struct OccupationsFragment {
    query: String,
    matches: Vec<OccupationRow>,
}

#[derive(Template)]
#[template(path = "applicant/occupations.html")]
struct OccupationsPage {
    page: Page,
    id: String,
    query: String,
    matches: Vec<OccupationRow>,
}

/// `GET /applications/{id}/occupations?q=`: occupations matching a code prefix or a name. htmx
/// asks for the list alone; without JavaScript the whole page comes back.
async fn occupations(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(id) = parse_id::<ApplicationId>(&id) else { return not_found(page) };
    if let Err(error) = state.app.application(&who, id).await {
        return error_page(page, error);
    }
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    let query: String = params.get("q").unwrap_or_default().trim().chars().take(50).collect();
    let matches = occupation::search(&query, 30)
        .into_iter()
        .map(|o| OccupationRow { code: o.code_str(), name: o.name() })
        .collect();
    if headers.contains_key("hx-request") {
        return respond(StatusCode::OK, &page, &OccupationsFragment { query, matches });
    }
    respond(StatusCode::OK, &page.clone(), &OccupationsPage { page, id: id.to_string(), query, matches })
}

// ---------------------------------------------------------------------------------------------
// Uploads and downloads

/// Where an upload form came from: a page of this application (the overview or a step).
fn back_path(id: ApplicationId, back: Option<&str>) -> (String, Option<Step>) {
    let base = format!("/applications/{id}");
    let path = safe_next(back).and_then(|b| b.split(['?', '#']).next()).unwrap_or("");
    if path == base || path.starts_with(&format!("{base}/")) {
        let step = path.strip_prefix(&format!("{base}/edit/")).and_then(Step::parse);
        return (path.to_owned(), step);
    }
    (base, None)
}

/// `POST /applications/{id}/attachments` (multipart: `csrf_token`, `back`, `file`): stores the
/// file and goes back to the page it came from; a refused file is said on that page (400), and
/// nothing is stored.
async fn upload(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    SignedInMultipart { page, who, mut post }: SignedInMultipart,
) -> Response {
    let file = post.take_file("file");
    let back = post.fields.get("back").map(str::to_owned);
    let Some(id) = parse_id::<ApplicationId>(&id) else { return not_found(page) };
    let (back, step) = back_path(id, back.as_deref());
    let refusal = match file {
        Some((name, bytes)) => match state.app.upload_attachment(&who, id, &name, bytes, &meta).await {
            Ok(_) => return Redirect::to(&format!("{back}?uploaded=1")).into_response(),
            Err(AppError::Fields(errors)) => errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("；"),
            Err(AppError::Invalid { message, .. }) => message,
            Err(error) => return error_page(page, error),
        },
        _ => "请选择要上传的文件".to_owned(),
    };
    let ctx = match context(&state, &who, id).await {
        Ok(ctx) => ctx,
        Err(error) => return error_page(page, error),
    };
    match step {
        Some(step) if ctx.view.status.is_editable() => {
            let raw = Raw::from_form(step, &ctx.view.form, &ctx.policy);
            let messages = StepMessages { upload_error: Some(refusal), ..StepMessages::default() };
            step_page(&state, page, &who, &ctx, step, &raw, messages, StatusCode::BAD_REQUEST).await
        }
        _ => {
            let extra = Extra { upload_error: Some(refusal), ..Extra::default() };
            overview_page(&state, page, &who, ctx, extra, StatusCode::BAD_REQUEST).await
        }
    }
}

/// `GET /applications/{id}/attachments/{attachment}`: the file, always as a download.
async fn download(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((id, attachment)): Path<(String, String)>,
) -> Response {
    let (Some(id), Some(attachment)) = (parse_id::<ApplicationId>(&id), parse_id::<AttachmentId>(&attachment)) else {
        return not_found(page);
    };
    match state.app.attachment_content(&who, attachment).await {
        Ok((row, bytes)) if row.application_id == id => stored_file(&row.kind, &row.display_name, bytes),
        Ok(_) => not_found(page),
        Err(error) => error_page(page, error),
    }
}

// ---------------------------------------------------------------------------------------------
// The overview, submission and withdrawal

#[derive(Debug)]
struct CheckStep {
    slug: &'static str,
    title: &'static str,
    items: Vec<Line>,
}

#[derive(Debug)]
struct ReturnLine {
    what: String,
    reason: String,
    href: Option<String>,
}

#[derive(Debug)]
struct ReturnInfo {
    due: Option<String>,
    items: Vec<ReturnLine>,
}

#[derive(Debug)]
struct EligibilityRow {
    clause: String,
    result: &'static str,
    class: &'static str,
    explanation: String,
}

#[derive(Debug)]
struct EventRow {
    at: String,
    action: String,
    status: String,
    note: String,
}

#[derive(Template)]
#[template(path = "applicant/overview.html")]
struct OverviewPage {
    page: Page,
    app: Summary,
    applicant: bool,
    editable: bool,
    can_submit: bool,
    resubmit: bool,
    can_withdraw: bool,
    checklist: Vec<CheckStep>,
    complete: bool,
    returned: Option<ReturnInfo>,
    eligibility: Vec<EligibilityRow>,
    timeline: Vec<EventRow>,
    files: Vec<FileRow>,
    upload: Option<UploadBox>,
    notice: Option<&'static str>,
    error: Option<String>,
    submit_errors: Vec<Line>,
    withdraw_error: Option<String>,
    withdraw_reason: String,
}

/// What an overview says besides the application itself.
#[derive(Debug, Default)]
struct Extra {
    notice: Option<&'static str>,
    error: Option<String>,
    submit_errors: Vec<FieldError>,
    withdraw_error: Option<String>,
    withdraw_reason: String,
    upload_error: Option<String>,
}

/// The reasons of the last return for supplement (the timeline event's `items` and `due_on`).
fn return_info(id: ApplicationId, detail: &str, ctx: &Ctx) -> ReturnInfo {
    let detail: serde_json::Value = serde_json::from_str(detail).unwrap_or_default();
    let items = detail["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    let field = item["field"].as_str().unwrap_or_default();
                    let detail = item["detail"].as_str().unwrap_or_default();
                    let step = Step::of_field(field);
                    let part = if detail.is_empty() { field } else { detail };
                    ReturnLine {
                        what: step.map_or_else(|| field.to_owned(), |s| format!("{}（{part}）", s.title())),
                        reason: item["reason"].as_str().unwrap_or_default().to_owned(),
                        href: fix_href(id, field, &ctx.view.form, &ctx.policy),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let due = detail["due_on"].as_str().map(|d| format!("{} 24 时", cn_date_text(d)));
    ReturnInfo { due, items }
}

async fn overview_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    ctx: Ctx,
    extra: Extra,
    status: StatusCode,
) -> Response {
    let id = ctx.view.row.id;
    let applicant = who.role == Role::Applicant;
    let editable = ctx.view.status.is_editable();
    let missing = if editable {
        match state.app.missing_parts(&ctx.view).await {
            Ok(missing) => missing,
            Err(error) => return error_page(page, error),
        }
    } else {
        Vec::new()
    };
    let events = match state.app.timeline(who, id).await {
        Ok(events) => events,
        Err(error) => return error_page(page, error),
    };
    let judged = !matches!(ctx.view.status, Status::Draft | Status::Submitted | Status::Returned | Status::Resubmitted);
    let trace = if judged {
        match state.app.eligibility_trace(who, id).await {
            Ok(trace) => trace,
            Err(error) => return error_page(page, error),
        }
    } else {
        Vec::new()
    };
    let checklist: Vec<CheckStep> = if editable {
        Step::ALL
            .into_iter()
            .map(|step| CheckStep {
                slug: step.slug(),
                title: step.title(),
                items: missing
                    .iter()
                    .filter(|m| Step::of_field(&m.field) == Some(step))
                    .map(|m| Line {
                        message: m.message.clone(),
                        href: fix_href(id, &m.field, &ctx.view.form, &ctx.policy),
                    })
                    .collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let eligibility = trace
        .into_iter()
        .map(|t| {
            let title = ctx.policy.clause(&t.item.clause).map(|c| c.title().to_owned()).unwrap_or_default();
            let passed = match t.item.decided.as_deref() {
                Some("pass") => Some(true),
                Some("fail") => Some(false),
                _ => None,
            };
            EligibilityRow {
                clause: format!("{}（{title}）", t.citation),
                result: match passed {
                    Some(true) => "符合",
                    Some(false) => "不符合",
                    None => "审查中",
                },
                class: match passed {
                    Some(true) => "result-pass",
                    Some(false) => "result-fail",
                    None => "",
                },
                // Never the bureau's own wording or reasons: the applicant's explanation only.
                explanation: t.result.applicant_explanation,
            }
        })
        .collect();
    let timeline = events
        .iter()
        .map(|e| {
            let action = application::Action::parse(&e.action);
            EventRow {
                at: local_time(e.at),
                action: action.map_or_else(|| e.action.clone(), |a| a.label().to_owned()),
                status: Status::parse(&e.to_status).map_or_else(String::new, |s| status_label(who, s).to_owned()),
                note: e.note.clone(),
            }
        })
        .collect();
    let last_return = events.iter().rev().find(|e| e.action == application::Action::Return.as_str());
    let returned =
        last_return.filter(|_| ctx.view.status == Status::Returned).map(|e| return_info(id, &e.detail, &ctx));
    let submit_errors = extra
        .submit_errors
        .iter()
        .map(|e| Line { message: e.message.clone(), href: fix_href(id, &e.field, &ctx.view.form, &ctx.policy) })
        .collect();
    let can_withdraw = applicant
        && application::transition(
            ctx.view.status,
            application::Action::Withdraw,
            application::Actor::Person(Role::Applicant),
        )
        .is_ok();
    let template = OverviewPage {
        app: summary_of(who, &ctx.view),
        applicant,
        editable: editable && applicant,
        can_submit: editable && applicant,
        resubmit: ctx.view.status == Status::Returned,
        can_withdraw,
        complete: checklist.iter().all(|c| c.items.is_empty()),
        checklist,
        returned,
        eligibility,
        timeline,
        files: file_rows(id, &ctx.files),
        upload: (editable && applicant)
            .then(|| UploadBox::new(id, format!("/applications/{id}"), &ctx.policy, extra.upload_error)),
        notice: extra.notice,
        error: extra.error,
        submit_errors,
        withdraw_error: extra.withdraw_error,
        withdraw_reason: extra.withdraw_reason,
        page,
    };
    respond(status, &template.page.clone(), &template)
}

/// `GET /applications/{id}`.
async fn overview(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(id) = parse_id::<ApplicationId>(&id) else { return not_found(page) };
    let ctx = match context(&state, &who, id).await {
        Ok(ctx) => ctx,
        Err(error) => return error_page(page, error),
    };
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    let notice = match params.get("done") {
        Some("submitted") => Some("申报已提交，区人社局受理后会通知您。"),
        Some("withdrawn") => Some("申报已撤回。"),
        Some("saved") => Some("已保存。请核对申报材料清单，齐全后即可提交。"),
        _ if params.get("uploaded").is_some() => Some("文件已上传。"),
        _ => None,
    };
    overview_page(&state, page, &who, ctx, Extra { notice, ..Extra::default() }, StatusCode::OK).await
}

/// `POST /applications/{id}/submit`: submits (or, after a return, resubmits); a refusal lists
/// every missing part, each linking to where it is filled in.
async fn submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    let Some(id) = parse_id::<ApplicationId>(&id) else { return not_found(page) };
    let (extra, status) = match state.app.submit_application(&who, id, &meta).await {
        Ok(_) => return Redirect::to(&format!("/applications/{id}?done=submitted")).into_response(),
        Err(AppError::Fields(errors)) => (Extra { submit_errors: errors, ..Extra::default() }, StatusCode::BAD_REQUEST),
        Err(AppError::WrongState { message }) => {
            (Extra { error: Some(message), ..Extra::default() }, StatusCode::CONFLICT)
        }
        Err(AppError::Invalid { message, .. }) => {
            (Extra { error: Some(message), ..Extra::default() }, StatusCode::BAD_REQUEST)
        }
        Err(AppError::Conflict { .. }) => {
            (Extra { error: Some(CONFLICT.to_owned()), ..Extra::default() }, StatusCode::CONFLICT)
        }
        Err(error) => return error_page(page, error),
    };
    match context(&state, &who, id).await {
        Ok(ctx) => overview_page(&state, page, &who, ctx, extra, status).await,
        Err(error) => error_page(page, error),
    }
}

/// `POST /applications/{id}/withdraw` (reason, optional).
async fn withdraw(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Some(id) = parse_id::<ApplicationId>(&id) else { return not_found(page) };
    let reason = fields.get("reason").unwrap_or_default().to_owned();
    let (extra, status) = match state.app.withdraw_application(&who, id, &reason, &meta).await {
        Ok(_) => return Redirect::to(&format!("/applications/{id}?done=withdrawn")).into_response(),
        Err(AppError::Fields(errors)) => {
            let message = errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("；");
            (
                Extra { withdraw_error: Some(message), withdraw_reason: reason, ..Extra::default() },
                StatusCode::BAD_REQUEST,
            )
        }
        Err(AppError::WrongState { message }) => {
            (Extra { error: Some(message), ..Extra::default() }, StatusCode::CONFLICT)
        }
        Err(AppError::Invalid { message, .. }) => {
            (Extra { error: Some(message), ..Extra::default() }, StatusCode::BAD_REQUEST)
        }
        Err(AppError::Conflict { .. }) => {
            (Extra { error: Some(CONFLICT.to_owned()), ..Extra::default() }, StatusCode::CONFLICT)
        }
        Err(error) => return error_page(page, error),
    };
    match context(&state, &who, id).await {
        Ok(ctx) => overview_page(&state, page, &who, ctx, extra, status).await,
        Err(error) => error_page(page, error),
    }
}

// ---------------------------------------------------------------------------------------------
// Calls for applications

#[derive(Debug)]
struct CallRow {
    id: String,
    title: String,
    year: i64,
    opens: String,
    closes: String,
    quota: i64,
    state: String,
    accepting: bool,
    can_apply: bool,
    existing: Option<Existing>,
}

/// The organisation's live application in a call.
#[derive(Debug)]
struct Existing {
    id: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "applicant/calls.html")]
struct CallsPage {
    page: Page,
    calls: Vec<CallRow>,
    signed_out: bool,
    error: Option<String>,
}

async fn calls_page(
    state: &AppState,
    page: Page,
    who: Option<&Authenticated>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let batches = match state.app.batches(who).await {
        Ok(batches) => batches,
        Err(error) => return error_page(page, error),
    };
    let applicant = who.filter(|w| w.role == Role::Applicant);
    let live = match applicant {
        Some(who) => match state.app.applications(who, None, None).await {
            Ok(all) => all
                .into_iter()
                .filter(|a| !matches!(a.status, Status::Withdrawn | Status::NotAccepted | Status::Lapsed))
                .collect(),
            Err(error) => return error_page(page, error),
        },
        None => Vec::new(),
    };
    let now = state.app.now();
    let calls = batches
        .iter()
        .filter(|b| b.status != BatchStatus::Draft)
        .map(|b| {
            let window = b.window.state(now);
            let state = match (b.status, window) {
                (BatchStatus::Open, WindowState::Open) => "正在受理".to_owned(),
                (BatchStatus::Open, WindowState::NotYetOpen) => "尚未开始".to_owned(),
                (BatchStatus::Open | BatchStatus::Closed, _) => "已截止".to_owned(),
                (other, _) => format!("已截止（{}）", other.label()),
            };
            let existing = live
                .iter()
                .find(|a| a.row.batch_id == b.row.id)
                .map(|a| Existing { id: a.row.id.to_string(), status: a.status.applicant_label() });
            CallRow {
                id: b.row.id.to_string(),
                title: b.row.title.clone(),
                year: b.row.year,
                opens: cn_date(b.window.opens_on()),
                closes: cn_date(b.window.closes_on()),
                quota: b.row.quota,
                state,
                accepting: b.status == BatchStatus::Open && window == WindowState::Open,
                can_apply: applicant.is_some()
                    && existing.is_none()
                    && b.status == BatchStatus::Open
                    && window != WindowState::Closed,
                existing,
            }
        })
        .collect();
    let template = CallsPage { calls, signed_out: who.is_none(), error, page };
    respond(status, &template.page.clone(), &template)
}

/// `GET /calls`: the published calls for applications.
async fn calls(State(state): State<AppState>, page: Page, MaybeSignedIn(who): MaybeSignedIn) -> Response {
    calls_page(&state, page, who.as_ref(), None, StatusCode::OK).await
}

/// `POST /applications` (batch): starts a draft in a call and opens its first step.
async fn start(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Some(batch) = fields.get("batch").and_then(parse_id::<BatchId>) else {
        return calls_page(&state, page, Some(&who), Some("请选择申报批次".to_owned()), StatusCode::BAD_REQUEST).await;
    };
    let message = match state.app.create_application(&who, batch, &meta).await {
        Ok(id) => return Redirect::to(&format!("/applications/{id}/edit/profile")).into_response(),
        Err(AppError::Fields(errors)) => errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("；"),
        Err(AppError::Invalid { message, .. }) => message,
        Err(AppError::NotFound(what)) => what.to_owned(),
        Err(error) => return error_page(page, error),
    };
    calls_page(&state, page, Some(&who), Some(message), StatusCode::BAD_REQUEST).await
}

// ---------------------------------------------------------------------------------------------
// The organisation's applications and notifications

#[derive(Debug)]
struct ApplicationRow {
    id: String,
    batch_title: String,
    status: &'static str,
    updated: String,
    due: Option<String>,
    editable: bool,
}

#[derive(Template)]
#[template(path = "applicant/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<ApplicationRow>,
    unread: i64,
}

/// `GET /applications`.
async fn list(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    let all = match state.app.applications(&who, None, None).await {
        Ok(all) => all,
        Err(error) => return error_page(page, error),
    };
    let unread = match state.app.unread_notifications(&who).await {
        Ok(n) => n,
        Err(error) => return error_page(page, error),
    };
    let rows = all
        .iter()
        .map(|a| ApplicationRow {
            id: a.row.id.to_string(),
            batch_title: a.row.batch_title.clone(),
            status: status_label(&who, a.status),
            updated: local_time(a.row.updated_at),
            due: (a.status == Status::Returned)
                .then(|| a.row.supplement_due_on.as_deref().map(|d| format!("{} 24 时", cn_date_text(d))))
                .flatten(),
            editable: a.status.is_editable(),
        })
        .collect();
    let template = ListPage { rows, unread, page };
    respond(StatusCode::OK, &template.page.clone(), &template)
}

#[derive(Debug)]
struct NotificationRow {
    at: String,
    title: String,
    body: String,
    href: Option<String>,
    unread: bool,
}

#[derive(Template)]
#[template(path = "applicant/notifications.html")]
struct NotificationsPage {
    page: Page,
    rows: Vec<NotificationRow>,
    unread: usize,
}

/// `GET /notifications`.
async fn notifications(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    let all = match state.app.notifications(&who).await {
        Ok(all) => all,
        // An account bound to no organisation has no notifications to show.
        Err(AppError::Forbidden { .. }) => return not_found(page),
        Err(error) => return error_page(page, error),
    };
    let rows: Vec<NotificationRow> = all
        .into_iter()
        .map(|n| NotificationRow {
            at: local_time(n.at),
            title: n.title,
            body: n.body,
            href: n.application_id.map(|a| format!("/applications/{a}")),
            unread: n.read_at.is_none(),
        })
        .collect();
    let unread = rows.iter().filter(|r| r.unread).count();
    let template = NotificationsPage { rows, unread, page };
    respond(StatusCode::OK, &template.page.clone(), &template)
}

/// `POST /notifications/read`: marks every notification read.
async fn read_notifications(State(state): State<AppState>, post: SignedInPost) -> Response {
    let SignedInPost { page, who, .. } = post;
    match state.app.mark_notifications_read(&who).await {
        Ok(_) => Redirect::to("/notifications").into_response(),
        Err(AppError::Forbidden { .. }) => not_found(page),
        Err(error) => error_page(page, error),
    }
}

// ---------------------------------------------------------------------------------------------
// The printable application form

#[derive(Debug)]
struct Fact {
    label: &'static str,
    value: String,
}

#[derive(Debug)]
struct PrintSite {
    title: String,
    facts: Vec<Fact>,
    equipment: Vec<Vec<String>>,
    total: String,
    photos: String,
}

#[derive(Debug)]
struct PrintProject {
    title: String,
    facts: Vec<Fact>,
}

#[derive(Debug)]
struct Headings {
    profile: String,
    sites: String,
    team: String,
    rules: String,
    priority: String,
    projects: String,
    trainees: String,
    letter: String,
}

#[derive(Template)]
#[template(path = "applicant/print.html")]
struct PrintPage {
    page: Page,
    id: String,
    org_name: String,
    meta: Vec<Fact>,
    headings: Headings,
    profile: Vec<Fact>,
    sites: Vec<PrintSite>,
    team: Vec<Fact>,
    experts: Vec<Vec<String>>,
    rules: Vec<Vec<String>>,
    claims: Vec<Vec<String>>,
    projects: Vec<PrintProject>,
    trainees: Vec<Fact>,
    companies: Vec<Vec<String>>,
    letter: String,
    files: Vec<FileRow>,
    printed: String,
}

fn or_blank(text: &str) -> String {
    if text.trim().is_empty() { "（未填写）".to_owned() } else { text.to_owned() }
}

fn print_page(page: Page, who: &Authenticated, ctx: &Ctx, batch_year: Option<i64>, now: DateTime<Utc>) -> PrintPage {
    let row = &ctx.view.row;
    let form = &ctx.view.form;
    let policy = &ctx.policy;
    let file_name = |id: &AttachmentId| {
        ctx.files.iter().find(|f| f.id == *id).map_or_else(|| "（附件不存在）".to_owned(), |f| f.display_name.clone())
    };
    let file_or_blank = |id: Option<AttachmentId>| id.as_ref().map_or_else(|| "（未上传）".to_owned(), file_name);
    let yes_no = |b: bool| if b { "是" } else { "否" }.to_owned();

    let mut meta = vec![
        Fact { label: "申报单位", value: row.organization_name.clone() },
        Fact { label: "统一社会信用代码", value: row.organization_uscc.clone() },
        Fact {
            label: "单位类型",
            value: policy
                .kind(&row.organization_kind)
                .map_or_else(|| row.organization_kind.clone(), |k| k.name().to_owned()),
        },
        Fact {
            label: "申报批次",
            value: match batch_year {
                Some(year) => format!("{}（{year} 年度）", row.batch_title),
                None => row.batch_title.clone(),
            },
        },
        Fact { label: "申报状态", value: status_label(who, ctx.view.status).to_owned() },
        Fact {
            label: "适用政策",
            value: format!(
                "{}《{}》第 {} 版（{}）",
                policy.document_number(),
                policy.title(),
                policy.version(),
                row.policy_id.clone().unwrap_or_else(|| format!(
                    "{}@{}，以提交之日生效的版本为准",
                    policy.code(),
                    policy.version()
                ))
            ),
        },
        Fact { label: "申报编号", value: row.id.to_string() },
    ];
    if let Some(at) = row.submitted_at {
        meta.push(Fact { label: "提交时间", value: local_time(at) });
    }

    let p = &form.profile;
    let profile = vec![
        Fact {
            label: "所属重点产业",
            value: policy.industry(&p.industry).map_or_else(|| or_blank(&p.industry), |i| i.name().to_owned()),
        },
        Fact { label: "注册地行政区划代码", value: or_blank(&p.registered_division) },
        Fact { label: "技能人才实训组织实施经验", value: or_blank(&p.training_experience) },
        Fact { label: "愿意为区域技能人才提供实训条件", value: yes_no(p.open_to_region) },
    ];

    let sites = form
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let total = s.equipment.iter().try_fold(Money::ZERO, |sum, e| sum.checked_add(e.value));
            PrintSite {
                title: format!("实训场地 {}", i + 1),
                facts: vec![
                    Fact { label: "场地名称", value: or_blank(&s.name) },
                    Fact { label: "场地地址", value: or_blank(&s.address) },
                    Fact { label: "场地面积", value: format!("{} 平方米", s.area_m2) },
                ],
                equipment: s
                    .equipment
                    .iter()
                    .map(|e| vec![e.name.clone(), e.quantity.to_string(), e.value.to_string()])
                    .collect(),
                total: total.map_or_else(|| "—".to_owned(), |t| t.to_string()),
                photos: if s.photos.is_empty() {
                    "（未上传）".to_owned()
                } else {
                    s.photos.iter().map(file_name).collect::<Vec<_>>().join("、")
                },
            }
        })
        .collect();

    let team = vec![
        Fact { label: "负责推进和管理的专门部门", value: or_blank(&form.team.department) },
        Fact { label: "专职人员数", value: format!("{} 人", form.team.full_time_staff) },
    ];
    let experts =
        form.team.experts.iter().map(|e| vec![e.name.clone(), e.title.clone(), e.qualification.clone()]).collect();
    let rules = policy
        .rule_documents()
        .iter()
        .map(|kind| {
            let entry = form.rule_documents.iter().find(|d| d.kind == kind.id());
            vec![
                kind.name().to_owned(),
                file_or_blank(entry.and_then(|d| d.document)),
                file_or_blank(entry.and_then(|d| d.wall_photo)),
            ]
        })
        .collect();
    let claims = form
        .priority_claims
        .iter()
        .map(|c| {
            vec![
                policy.priority_basis(&c.basis).map_or_else(|| c.basis.clone(), |b| b.name().to_owned()),
                c.description.clone(),
                file_or_blank(c.certificate),
            ]
        })
        .collect();
    let projects = form
        .projects
        .iter()
        .enumerate()
        .map(|(i, pr)| PrintProject {
            title: format!("培育项目 {}", i + 1),
            facts: vec![
                Fact {
                    label: "职业（工种）", value: format!("{} {}", pr.occupation.as_str(), pr.occupation.name())
                },
                Fact {
                    label: "培训等级",
                    value: or_blank(&pr.levels.iter().map(|l| l.label()).collect::<Vec<_>>().join("、")),
                },
                Fact {
                    label: "符合的条件",
                    value: or_blank(
                        &pr.criteria
                            .iter()
                            .map(|c| policy.project_criterion(c).map_or(c.as_str(), |c| c.text()))
                            .collect::<Vec<_>>()
                            .join("；"),
                    ),
                },
                Fact { label: "年培训能力", value: format!("{} 人次", pr.annual_capacity) },
                Fact { label: "项目说明", value: or_blank(&pr.description) },
            ],
        })
        .collect();
    let trainees = vec![
        Fact { label: "本单位技能岗位从业人员", value: format!("{} 人", form.trainees.own_staff) },
        Fact { label: "院校学生", value: format!("{} 人", form.trainees.students) },
    ];
    let companies = form
        .trainees
        .supply_chain
        .iter()
        .map(|c| vec![c.name.clone(), c.uscc.as_str().to_owned(), c.relation.label().to_owned()])
        .collect();
    PrintPage {
        id: row.id.to_string(),
        org_name: row.organization_name.clone(),
        meta,
        headings: Headings {
            profile: Step::Profile.heading(policy),
            sites: Step::Sites.heading(policy),
            team: Step::Team.heading(policy),
            rules: Step::Rules.heading(policy),
            priority: Step::Priority.heading(policy),
            projects: Step::Projects.heading(policy),
            trainees: Step::Trainees.heading(policy),
            letter: Step::Letter.heading(policy),
        },
        profile,
        sites,
        team,
        experts,
        rules,
        claims,
        projects,
        trainees,
        companies,
        letter: file_or_blank(form.commitment_letter),
        files: file_rows(row.id, &ctx.files),
        printed: now.with_timezone(&shanghai()).format("%Y年%-m月%-d日 %H:%M").to_string(),
        page,
    }
}

/// `GET /applications/{id}/print`: the application form on A4, for the organisation and for
/// the bureau (within their data scope).
async fn print(State(state): State<AppState>, page: Page, Who(who): Who, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id::<ApplicationId>(&id) else { return not_found(page) };
    let ctx = match context(&state, &who, id).await {
        Ok(ctx) => ctx,
        Err(error) => return error_page(page, error),
    };
    let year = state.app.batch(ctx.view.row.batch_id).await.ok().map(|b| b.row.year);
    let template = print_page(page, &who, &ctx, year, state.app.now());
    respond(StatusCode::OK, &template.page.clone(), &template)
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

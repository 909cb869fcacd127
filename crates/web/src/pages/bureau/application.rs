//! One application as staff handle it: acceptance, return with its items, refusal, and the
//! eligibility decisions clause by clause.

use super::*;

// ---------------------------------------------------------------------------------------------
// One application

/// The form's top-level sections, as the return form offers them and the revisions name them.
pub(super) const SECTIONS: [(&str, &str); 8] = [
    ("profile", "建设主体"),
    ("sites", "实训场地设备"),
    ("team", "师资管理团队"),
    ("rule_documents", "规范管理制度"),
    ("priority_claims", "优先认定"),
    ("projects", "培育项目"),
    ("trainees", "培育对象"),
    ("commitment_letter", "承诺书"),
];

/// The section a field path belongs to (`sites[0].photos` → 实训场地设备).
pub(super) fn section_of(path: &str) -> Option<&'static str> {
    let top = path.split(['.', '[']).next().unwrap_or(path);
    SECTIONS.iter().find(|(key, _)| *key == top).map(|(_, label)| *label)
}

/// A return item's 材料或栏目 as people read it: a section's name with its path, or the text.
/// A return item as staff read it: 实训场地设备（场地照片）.
pub(super) fn item_label(item: &ReturnItem) -> String {
    match (section_of(&item.field), item.detail.is_empty()) {
        (Some(label), false) => format!("{label}（{}）", item.detail),
        _ => field_label(&item.field),
    }
}

pub(super) fn field_label(field: &str) -> String {
    match section_of(field) {
        Some(label) if field.contains(['.', '[']) => format!("{label}（{field}）"),
        Some(label) => label.to_owned(),
        None => field.to_owned(),
    }
}

/// Links to an application's files by id.
pub(super) struct Files {
    pub(super) application: String,
    pub(super) names: HashMap<AttachmentId, String>,
}

impl Files {
    pub(super) fn new(application: ApplicationId, attachments: &[Attachment]) -> Files {
        Files {
            application: application.to_string(),
            names: attachments.iter().map(|a| (a.id, a.display_name.clone())).collect(),
        }
    }

    pub(super) fn href(&self, id: AttachmentId) -> String {
        format!("/bureau/applications/{}/attachments/{id}", self.application)
    }

    pub(super) fn link(&self, id: AttachmentId) -> FileLink {
        let name = self.names.get(&id).cloned().unwrap_or_else(|| "（附件不存在）".to_owned());
        FileLink { name, href: self.href(id) }
    }
}

#[derive(Debug)]
pub(super) struct AttachmentRow {
    pub(super) name: String,
    pub(super) kind: &'static str,
    pub(super) size: String,
    pub(super) uploaded_at: String,
    pub(super) href: String,
}

pub(super) fn size_text(bytes: i64) -> String {
    const MB: i64 = 1024 * 1024;
    if bytes >= MB {
        let tenths = bytes * 10 / MB;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    } else if bytes >= 1024 {
        format!("{} KB", (bytes + 1023) / 1024)
    } else {
        format!("{bytes} 字节")
    }
}

#[derive(Debug)]
pub(super) struct ItemView {
    pub(super) field: String,
    pub(super) reason: String,
}

#[derive(Debug)]
pub(super) struct EventRow {
    pub(super) at: String,
    pub(super) actor: String,
    pub(super) action: String,
    pub(super) to: String,
    pub(super) note: String,
    pub(super) items: Vec<ItemView>,
    pub(super) due_on: Option<String>,
}

/// One timeline event (the store's record, taken apart: its type is the store's).
pub(super) struct EventParts {
    pub(super) at: chrono::DateTime<chrono::Utc>,
    pub(super) by_system: bool,
    pub(super) actor_name: Option<String>,
    pub(super) action: String,
    pub(super) to_status: String,
    pub(super) note: String,
    pub(super) detail: String,
}

pub(super) fn event_row(e: EventParts) -> EventRow {
    let detail: Value = serde_json::from_str(&e.detail).unwrap_or_default();
    let items: Vec<ReturnItem> = serde_json::from_value(detail["items"].clone()).unwrap_or_default();
    let action = Action::parse(&e.action);
    EventRow {
        at: local_time(e.at),
        actor: e.actor_name.unwrap_or_else(|| if e.by_system { "系统".to_owned() } else { "—".to_owned() }),
        action: action.map_or(e.action.clone(), |a| a.label().to_owned()),
        to: Status::parse(&e.to_status).map_or(e.to_status.clone(), |s| s.staff_label().to_owned()),
        note: e.note,
        items: items.into_iter().map(|i| ItemView { field: item_label(&i), reason: i.reason }).collect(),
        due_on: detail["due_on"].as_str().map(str::to_owned),
    }
}

/// Staff's answer to one clause, as typed (kept when refused).
#[derive(Debug, Default, Clone)]
pub(super) struct ClauseInput {
    /// `pass`, `fail` or empty.
    pub(super) decision: String,
    pub(super) reason: String,
    pub(super) error: Option<String>,
    pub(super) decision_error: Option<String>,
}

impl ClauseInput {
    /// The reason as a kit input, on the page as `{anchor}-reason`.
    pub(super) fn decision_input(&self, anchor: &str, citation: &str) -> Input {
        let options = vec![("pass", "通过"), ("fail", "不通过")];
        let label = format!("{citation} 的确认");
        let mut input = Input::radios("decision", label, options)
            .value(&self.decision)
            .with_id(format!("{anchor}-decision"))
            .cell();
        input.error.clone_from(&self.decision_error);
        input
    }

    pub(super) fn reason_input(&self, anchor: &str) -> Input {
        Reason::new(self.reason.clone(), self.error.clone())
            .line("reason", &format!("{anchor}-reason"), "理由", 500)
            .unmarked()
    }
}

#[derive(Debug)]
pub(super) struct ClauseRow {
    pub(super) clause: String,
    pub(super) anchor: String,
    pub(super) citation: String,
    pub(super) title: String,
    /// Does the clause decide eligibility (C2.1.P only grants priority)?
    pub(super) condition: bool,
    pub(super) computed: &'static str,
    pub(super) computed_class: &'static str,
    pub(super) evidence: Vec<String>,
    pub(super) explanation: String,
    pub(super) decided: Option<&'static str>,
    pub(super) decided_reason: String,
    pub(super) decided_at: String,
    pub(super) input: ClauseInput,
}

pub(super) fn clause_row(
    item: TraceItem,
    policy: &PolicyDocument,
    as_posted: Option<&(String, ClauseInput)>,
) -> ClauseRow {
    let clause = item.item.clause.clone();
    let computed = outcome(&item.item.computed);
    let decided = item.item.decided.as_deref().map(|d| if d == "pass" { "通过" } else { "不通过" });
    let input = match as_posted {
        Some((c, input)) if *c == clause => input.clone(),
        _ => ClauseInput {
            // What is on record, else what the rules found (nothing for an open item).
            decision: item.item.decided.clone().unwrap_or_else(|| match computed {
                Some(Outcome::Pass) => "pass".to_owned(),
                Some(Outcome::Fail) => "fail".to_owned(),
                _ => String::new(),
            }),
            ..ClauseInput::default()
        },
    };
    ClauseRow {
        anchor: format!("clause-{}", clause.replace('.', "-")),
        title: policy.clause(&clause).map(|c| c.title().to_owned()).unwrap_or_default(),
        condition: eligibility::is_condition(&clause),
        computed: computed.map_or("", Outcome::label),
        computed_class: match computed {
            Some(Outcome::Pass) => "outcome-pass",
            Some(Outcome::Fail) => "outcome-fail",
            _ => "outcome-confirm",
        },
        citation: item.citation,
        evidence: item.result.evidence,
        explanation: item.result.explanation,
        decided,
        decided_reason: item.item.reason.unwrap_or_default(),
        decided_at: item.item.decided_at.map(local_time).unwrap_or_default(),
        input,
        clause,
    }
}

/// An outcome from its stored spelling.
pub(super) fn outcome(stored: &str) -> Option<Outcome> {
    [Outcome::Pass, Outcome::Fail, Outcome::Confirm].into_iter().find(|o| o.as_str() == stored)
}

/// How many (材料或栏目, 补正理由) rows the return form offers; empty rows are ignored.
pub(super) const RETURN_ROWS: usize = 5;

#[derive(Debug, Default, Clone)]
pub(super) struct ReturnRow {
    pub(super) index: usize,
    pub(super) item: String,
    pub(super) reason: String,
    pub(super) item_error: Option<String>,
    pub(super) reason_error: Option<String>,
    pub(super) sections: Vec<(&'static str, &'static str, bool)>,
}

impl ReturnRow {
    /// The row's cells as kit inputs: the section (or none), the material, the reason.
    pub(super) fn cells(&self) -> Vec<Input> {
        let (i, n) = (self.index, self.index + 1);
        let mut choices = vec![Choice { value: String::new(), label: "（不选）".to_owned(), selected: false }];
        choices.extend(self.sections.iter().map(|&(key, label, selected)| Choice {
            value: key.to_owned(),
            label: label.to_owned(),
            selected,
        }));
        let cell = |input: Input, key: &str, error: &Option<String>| {
            let mut input = input.unmarked().cell().with_id(format!("{key}-{i}"));
            input.error.clone_from(error);
            input
        };
        let section = Input::new(
            format!("section_{i}"),
            format!("第 {n} 项的栏目"),
            Control::Select { choices, placeholder: false },
        );
        let item =
            Input::text(format!("item_{i}"), format!("第 {n} 项的具体材料或栏目")).value(&self.item).maxlength(100);
        let reason =
            Input::text(format!("reason_{i}"), format!("第 {n} 项的补正理由")).value(&self.reason).maxlength(500);
        vec![
            cell(section, "section", &None),
            cell(item, "item", &self.item_error),
            cell(reason, "reason", &self.reason_error),
        ]
    }
}

#[derive(Debug)]
pub(super) struct ReturnForm {
    pub(super) rows: Vec<ReturnRow>,
    pub(super) days: String,
    pub(super) days_error: Option<String>,
    pub(super) errors: Vec<String>,
}

impl ReturnForm {
    /// The supplement deadlines staff may give, in working days (the domain's).
    pub(super) fn min_days(&self) -> u32 {
        *skillbase_domain::application::SUPPLEMENT_DAYS.start()
    }

    pub(super) fn max_days(&self) -> u32 {
        *skillbase_domain::application::SUPPLEMENT_DAYS.end()
    }

    pub(super) fn new(days: u32) -> ReturnForm {
        ReturnForm {
            rows: (0..RETURN_ROWS).map(|i| return_row(i, "", "", "")).collect(),
            days: days.to_string(),
            days_error: None,
            errors: Vec::new(),
        }
    }

    pub(super) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
            || self.days_error.is_some()
            || self.rows.iter().any(|r| r.item_error.is_some() || r.reason_error.is_some())
    }
}

pub(super) fn return_row(index: usize, section: &str, item: &str, reason: &str) -> ReturnRow {
    ReturnRow {
        index,
        item: item.to_owned(),
        reason: reason.to_owned(),
        item_error: None,
        reason_error: None,
        sections: SECTIONS.iter().map(|(key, label)| (*key, *label, *key == section)).collect(),
    }
}

/// An action offered on the page: its form, and whether the applicant will be notified
/// (PRODUCT.md §9 item 9: staff see it before they act).
#[derive(Debug)]
pub(super) struct ActionBlock<T> {
    pub(super) form: T,
    pub(super) notifies: bool,
}

impl<T> ActionBlock<T> {
    pub(super) fn new(form: T, action: Action) -> ActionBlock<T> {
        ActionBlock { form, notifies: action.notifies_applicant() }
    }
}

/// What a refused post brings back to the page.
#[derive(Debug, Default)]
pub(super) struct ApplicationAsPosted {
    pub(super) return_form: Option<ReturnForm>,
    pub(super) reject: Option<Reason>,
    pub(super) clause: Option<(String, ClauseInput)>,
    /// Refusals of an action with no field (a state that moved on, an undecided clause).
    pub(super) errors: Vec<String>,
    pub(super) conclude_error: Option<String>,
}

#[derive(Template)]
#[template(path = "bureau/application.html")]
pub(super) struct ApplicationPage {
    pub(super) page: Page,
    pub(super) id: String,
    pub(super) overview: Vec<Fact>,
    pub(super) status: &'static str,
    pub(super) supplement_due_on: Option<String>,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
    pub(super) form: FormView,
    pub(super) attachments: Vec<AttachmentRow>,
    pub(super) events: Vec<EventRow>,
    pub(super) clauses: Vec<ClauseRow>,
    /// The actions the life cycle allows staff now, each saying whether the applicant is told.
    pub(super) accept: Option<ActionBlock<()>>,
    pub(super) return_form: Option<ActionBlock<ReturnForm>>,
    pub(super) reject: Option<ActionBlock<Reason>>,
    /// The eligibility forms are open (accepted, and the viewer is staff).
    pub(super) deciding: bool,
    pub(super) conclude_notifies: bool,
    pub(super) conclude_error: Option<String>,
    pub(super) revisions: i64,
}

impl ApplicationPage {
    pub(super) fn any_action(&self) -> bool {
        self.accept.is_some() || self.return_form.is_some() || self.reject.is_some()
    }
}

pub(super) async fn application_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: ApplicationId,
    as_posted: ApplicationAsPosted,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    page.path = format!("/bureau/applications/{id}");
    let loaded = async {
        let a = state.app.application(who, id).await?;
        let attachments = state.app.attachments(who, id).await?;
        let events = state.app.timeline(who, id).await?;
        let trace = state.app.eligibility_trace(who, id).await?;
        let policy = state.app.policy_for(&a).await?;
        Ok::<_, AppError>((a, attachments, events, trace, policy))
    };
    let (a, attachments, events, trace, policy) = or_error_page!(loaded.await, page);
    let files = Files::new(id, &attachments);
    let r = &a;
    let kind = policy.kind(&r.organization_kind).map_or_else(|| r.organization_kind.clone(), |k| k.name().to_owned());
    let overview = vec![
        fact("申报单位", r.organization_name.clone()),
        fact("统一社会信用代码", r.organization_uscc.clone()),
        fact("单位类型", kind),
        fact("申报批次", r.batch_title.clone()),
        fact("提交时间", r.submitted_at.map(local_time).unwrap_or_default()),
        fact("适用政策", format!("{}（第 {} 版）", policy.document_number(), policy.version())),
    ];
    let staff = allowed(who, access::Action::DecideAcceptance);
    let can = |action: Action| staff && staff_may(a.status, action);
    let ApplicationAsPosted { return_form, reject, clause, errors, conclude_error } = as_posted;
    let return_form = can(Action::Return).then(|| {
        let form = return_form.unwrap_or_else(|| ReturnForm::new(policy.supplement_working_days()));
        ActionBlock::new(form, Action::Return)
    });
    let reject =
        can(Action::RefuseAcceptance).then(|| ActionBlock::new(reject.unwrap_or_default(), Action::RefuseAcceptance));
    let template = ApplicationPage {
        page: page.clone(),
        id: id.to_string(),
        overview,
        status: a.status.staff_label(),
        supplement_due_on: r.supplement_due_on.map(|d| d.to_string()).filter(|_| a.status == Status::Returned),
        notice,
        errors,
        form: form_view(&a.form, &policy, &|id| files.link(id)),
        attachments: attachments
            .iter()
            .map(|f| AttachmentRow {
                name: f.display_name.clone(),
                kind: FileKind::parse(&f.kind).map_or("", FileKind::label),
                size: size_text(f.size),
                uploaded_at: local_time(f.uploaded_at),
                href: files.href(f.id),
            })
            .collect(),
        events: events
            .into_iter()
            .map(|e| {
                event_row(EventParts {
                    at: e.at,
                    by_system: e.actor_id.is_none(),
                    actor_name: e.actor_name,
                    action: e.action,
                    to_status: e.to_status,
                    note: e.note,
                    detail: e.detail,
                })
            })
            .collect(),
        clauses: trace.into_iter().map(|item| clause_row(item, &policy, clause.as_ref())).collect(),
        accept: can(Action::Accept).then(|| ActionBlock::new((), Action::Accept)),
        return_form,
        reject,
        deciding: can(Action::ConfirmEligible),
        conclude_notifies: Action::ConfirmEligible.notifies_applicant(),
        conclude_error,
        revisions: r.revisions,
    };
    respond(status, &page, &template)
}

/// `GET /bureau/applications/{id}`: the application, its files, its timeline, the eligibility
/// table, and what staff may do now.
pub(super) async fn application(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    PathId(id): PathId<ApplicationId>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let notice = crate::query_params(raw.as_deref()).ok().as_ref().and_then(done_notice);
    application_page(&state, page, &who, id, ApplicationAsPosted::default(), notice, StatusCode::OK).await
}

/// After a successful action: back to the application (303), saying what was done.
pub(super) fn done(id: ApplicationId, what: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/bureau/applications/{id}?done={what}{anchor}")).into_response()
}

/// Answers a refused action with the page, or an error page for what the page cannot say.
pub(super) async fn refused(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    id: ApplicationId,
    error: AppError,
    fill: impl FnOnce(&mut Errors) -> ApplicationAsPosted,
) -> Response {
    match refusal(error) {
        Ok((status, mut errors)) => {
            let mut as_posted = fill(&mut errors);
            as_posted.errors.extend(errors.rest());
            application_page(state, page, who, id, as_posted, None, status).await
        }
        Err(error) => error_page(page, error),
    }
}

/// `POST /bureau/applications/{id}/accept`: 受理; the eligibility rules then run.
pub(super) async fn accept(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<ApplicationId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    match state.app.accept_application(&who, id, &meta).await {
        Ok(_) => done(id, "accepted", "#eligibility"),
        Err(error) => refused(&state, page, &who, id, error, |_| ApplicationAsPosted::default()).await,
    }
}

/// `POST /bureau/applications/{id}/return`: rows `section_N`, `item_N`, `reason_N` and `days`.
pub(super) async fn return_for_supplement(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<ApplicationId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let mut rows = Vec::new();
    let mut items = Vec::new();
    // The row each sent item came from, to put the use case's `items[k]` errors back beside it.
    let mut sent = Vec::new();
    for i in 0..RETURN_ROWS {
        let get = |name: &str| fields.get(&format!("{name}_{i}")).unwrap_or_default().trim().to_owned();
        let (section, item, reason) = (get("section"), get("item"), get("reason"));
        let mut row = return_row(i, &section, &item, &reason);
        if !(section.is_empty() && item.is_empty() && reason.is_empty()) {
            let label = SECTIONS.iter().find(|(key, _)| *key == section).map(|(_, label)| *label);
            if label.is_none() && !section.is_empty() {
                row.item_error = Some("请从列表中选择栏目".to_owned());
            }
            // A chosen section is stored as its key (the applicant's page links to that step), the
            // material within it as the detail; free text alone is the field itself.
            let (field, detail) = match label {
                Some(_) => (section.clone(), item.clone()),
                None => (item.clone(), String::new()),
            };
            sent.push(i);
            items.push(ReturnItem { field, reason, detail });
        }
        rows.push(row);
    }
    let days_text = fields.get("days").unwrap_or_default().trim().to_owned();
    // Not a whole number: the use case's range check says what is expected.
    let days = if days_text.is_empty() { None } else { Some(days_text.parse::<u32>().unwrap_or(0)) };
    let mut form = ReturnForm { rows, days: days_text, days_error: None, errors: Vec::new() };
    let local = form.has_errors();
    let outcome = if local {
        Err(AppError::Fields(Vec::new()))
    } else {
        state.app.return_application(&who, id, &items, days, &meta).await.map(|_| ())
    };
    match outcome {
        Ok(()) => done(id, "returned", ""),
        Err(error) => {
            refused(&state, page, &who, id, error, move |errors| {
                for (k, row) in sent.iter().enumerate() {
                    let row = &mut form.rows[*row];
                    if let Some(e) = errors.take(&format!("items[{k}].field")) {
                        row.item_error.get_or_insert(e);
                    }
                    if let Some(e) = errors.take(&format!("items[{k}].reason")) {
                        row.reason_error.get_or_insert(e);
                    }
                }
                form.days_error = errors.take("days");
                form.errors.extend(errors.take("items"));
                ApplicationAsPosted { return_form: Some(form), ..ApplicationAsPosted::default() }
            })
            .await
        }
    }
}

/// `POST /bureau/applications/{id}/reject` (reason): 不予受理.
pub(super) async fn reject(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<ApplicationId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let reason = fields.get("reason").unwrap_or_default().to_owned();
    match state.app.refuse_application(&who, id, &reason, &meta).await {
        Ok(_) => done(id, "rejected", ""),
        Err(error) => {
            refused(&state, page, &who, id, error, |errors| {
                let error = errors.take("reason");
                ApplicationAsPosted { reject: Some(Reason::new(reason, error)), ..ApplicationAsPosted::default() }
            })
            .await
        }
    }
}

/// `POST /bureau/applications/{id}/eligibility/{clause}` (decision = pass | fail, reason).
pub(super) async fn decide_clause(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, clause)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(id) = id.parse::<ApplicationId>() else { return not_found(page) };
    let decision = fields.get("decision").unwrap_or_default().to_owned();
    let reason = fields.get("reason").unwrap_or_default().to_owned();
    let anchor = format!("#clause-{}", clause.replace('.', "-"));
    let pass = match decision.as_str() {
        "pass" => Some(true),
        "fail" => Some(false),
        _ => None,
    };
    let outcome = match pass {
        Some(pass) => {
            let decision = ClauseDecision { clause: clause.clone(), pass, reason: reason.clone() };
            state.app.decide_clause(&who, id, &decision, &meta).await
        }
        None => Err(AppError::Fields(vec![FieldError::new("decision", "required", "请选择通过或不通过")])),
    };
    match outcome {
        Ok(()) => done(id, "decided", &anchor),
        Err(error) => {
            refused(&state, page, &who, id, error, |errors| {
                let input = ClauseInput {
                    decision,
                    reason,
                    error: errors.take("reason"),
                    decision_error: errors.take("decision"),
                };
                ApplicationAsPosted { clause: Some((clause, input)), ..ApplicationAsPosted::default() }
            })
            .await
        }
    }
}

/// `POST /bureau/applications/{id}/eligibility/conclude`: 完成资格审查.
pub(super) async fn conclude(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<ApplicationId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    match state.app.conclude_eligibility(&who, id, &meta).await {
        Ok(_) => done(id, "concluded", ""),
        Err(error) => {
            refused(&state, page, &who, id, error, |errors| {
                let mut all = std::mem::take(errors).rest();
                let conclude_error = (!all.is_empty()).then(|| all.remove(0));
                ApplicationAsPosted { conclude_error, errors: all, ..ApplicationAsPosted::default() }
            })
            .await
        }
    }
}

/// `GET /bureau/applications/{id}/attachments/{attachment}`: a file of the application, always
/// as a download.
pub(super) async fn download(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((id, attachment)): Path<(String, String)>,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let (Ok(id), Ok(attachment)) = (id.parse::<ApplicationId>(), attachment.parse::<AttachmentId>()) else {
        return not_found(page);
    };
    match state.app.attachment_content(&who, attachment).await {
        Ok((row, bytes)) if row.application_id == id => stored_file(&row.kind, &row.display_name, bytes),
        Ok(_) => not_found(page),
        Err(error) => error_page(page, error),
    }
}

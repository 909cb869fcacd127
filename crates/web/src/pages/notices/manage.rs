//! The bureau's notices (公示管理): publishing, objections and their investigation, closing and
//! the leader's conclusion.

use super::*;

// ---------------------------------------------------------------------------------------------
// 公示管理 (bureau)

#[derive(Debug)]
pub(super) struct PublishForm {
    pub(super) inputs: Vec<Input>,
    /// Approved lists without a notice yet.
    pub(super) available: bool,
}

impl PublishForm {
    pub(super) fn has_errors(&self) -> bool {
        self.inputs.iter().any(|i| i.error.is_some())
    }
}

#[derive(Template)]
#[template(path = "notices/bureau_list.html")]
pub(super) struct BureauNoticesPage {
    pub(super) page: Page,
    pub(super) rows: Vec<NoticeRow>,
    pub(super) form: Option<PublishForm>,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
}

pub(super) async fn publish_form(
    state: &AppState,
    who: &Authenticated,
    notices: &[NoticeView],
    proposal: &str,
    publish_on: &str,
) -> Result<PublishForm, AppError> {
    let noticed: Vec<ProposalId> = notices.iter().map(|n| n.proposal_id).collect();
    let open: Vec<(String, String)> = state
        .app
        .proposals(who, None)
        .await?
        .into_iter()
        .filter(|p| p.status == ProposalStatus::Approved && !noticed.contains(&p.id))
        .map(|p| {
            let proposed = p.lines.iter().filter(|l| l.outcome == skillbase_domain::review::Outcome::Proposed).count();
            (p.id.to_string(), format!("{}（拟认定 {proposed} 家）", p.batch_title))
        })
        .collect();
    let available = !open.is_empty();
    let mut options = vec![(String::new(), "请选择已审批的认定名单".to_owned())];
    options.extend(open);
    Ok(PublishForm {
        inputs: vec![
            Input::select("proposal_id", "认定名单", options).without_placeholder().value(proposal),
            Input::new("publish_on", "公示日期", Control::Date)
                .value(publish_on)
                .hint("自当日起公示（非工作日则自下一个工作日起），公示期按工作日计算。"),
        ],
        available,
    })
}

pub(super) async fn bureau_notices_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    as_posted: Option<(String, String, Errors)>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    page.path = "/bureau/notices".to_owned();
    let found = or_error_page!(state.app.notices(Some(who)).await, page);
    let mut errors = Vec::new();
    let form = if allowed(who, access::Action::PublishNotice) {
        let today = shanghai_date(state.app.now()).format("%Y-%m-%d").to_string();
        let (proposal, publish_on, refused) = as_posted.unwrap_or((String::new(), today, Errors::default()));
        match publish_form(state, who, &found, &proposal, &publish_on).await {
            Ok(mut form) => {
                errors = place_errors(&mut form.inputs, refused);
                Some(form)
            }
            Err(error) => return error_page(page, error),
        }
    } else {
        None
    };
    let template =
        BureauNoticesPage { page: page.clone(), rows: found.iter().map(notice_row).collect(), form, notice, errors };
    respond(status, &page, &template)
}

/// `GET /bureau/notices`: every notice with its status, and the publish form for staff.
pub(super) async fn bureau_notices(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    RawQuery(raw): RawQuery,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    bureau_notices_page(&state, page, &who, None, notice_of(raw.as_deref()), StatusCode::OK).await
}

/// `POST /bureau/notices` (proposal_id, publish_on): publishes the notice of an approved list.
pub(super) async fn publish(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let proposal = fields.get("proposal_id").unwrap_or_default().trim().to_owned();
    let publish_on = fields.get("publish_on").unwrap_or_default().trim().to_owned();
    let outcome = match proposal.parse::<ProposalId>() {
        Ok(id) => state.app.publish_notice(&who, id, &publish_on, &meta).await,
        Err(_) => Err(AppError::Fields(vec![skillbase_app::FieldError::new(
            "proposal_id",
            "unknown_proposal",
            "请选择已审批的认定名单",
        )])),
    };
    match outcome {
        Ok(id) => Redirect::to(&format!("/bureau/notices/{id}?done=published")).into_response(),
        Err(AppError::NotFound(_)) => {
            let errors = Errors::field("proposal_id", "认定名单不存在");
            bureau_notices_page(&state, page, &who, Some((proposal, publish_on, errors)), None, StatusCode::BAD_REQUEST)
                .await
        }
        Err(error) => match refusal(error) {
            Ok((status, errors, _)) => {
                bureau_notices_page(&state, page, &who, Some((proposal, publish_on, errors)), None, status).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

#[derive(Debug)]
pub(super) struct ObjectionRow {
    pub(super) id: String,
    pub(super) receipt: String,
    pub(super) concerning: String,
    pub(super) name: String,
    pub(super) contact: String,
    pub(super) organization: String,
    pub(super) facts: String,
    pub(super) file: Option<String>,
    pub(super) received_at: String,
    pub(super) status: &'static str,
    pub(super) resolved: bool,
    pub(super) findings: String,
    pub(super) may_investigate: bool,
    pub(super) may_resolve: bool,
    /// Every step taken on it: what, who, when, the comment.
    pub(super) history: Vec<(&'static str, String, String, String)>,
    /// The resolve form as typed after a refusal.
    pub(super) decision: String,
    pub(super) decision_error: Option<String>,
    pub(super) findings_input: Reason,
}

impl ObjectionRow {
    pub(super) fn decision_input(&self) -> Input {
        let options = vec![("sustained", "异议成立（该基地不予认定）"), ("dismissed", "异议不成立")];
        let mut input = Input::radios("decision", "办理结论", options)
            .value(&self.decision)
            .with_id(format!("decision-{}", self.id));
        input.error.clone_from(&self.decision_error);
        input
    }
}

#[derive(Debug)]
pub(super) struct PlaqueLink {
    pub(super) name: String,
    pub(super) number: String,
    pub(super) href: String,
}

#[derive(Template)]
#[template(path = "notices/bureau_notice.html")]
pub(super) struct BureauNoticePage {
    pub(super) page: Page,
    pub(super) doc: NoticeDoc,
    pub(super) status: &'static str,
    pub(super) objections: Vec<ObjectionRow>,
    pub(super) may_close: bool,
    pub(super) may_conclude: bool,
    /// Why the leader cannot conclude yet (shown to the leader).
    pub(super) conclude_blocked: Option<&'static str>,
    pub(super) plaques: Vec<PlaqueLink>,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
}

/// A refused resolve: which objection, what was typed, the errors.
pub(super) struct ResolveAsPosted {
    pub(super) objection: String,
    pub(super) decision: String,
    pub(super) findings: String,
    pub(super) errors: Errors,
}

pub(super) async fn bureau_notice_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: &str,
    as_posted: Option<ResolveAsPosted>,
    (notice, errors, status): (Option<&'static str>, Vec<String>, StatusCode),
) -> Response {
    page.path = format!("/bureau/notices/{id}");
    let loaded = async {
        let n = state.app.notice(Some(who), id).await?;
        let objections = state.app.objections(who, id).await?;
        Ok::<_, AppError>((n, objections))
    };
    let (n, objections) = or_error_page!(loaded.await, page);
    let concluded = n.status == NoticeStatus::Concluded;
    let handles = allowed(who, access::Action::HandleObjections) && !concluded;
    let mut errors = errors;
    let mut as_posted = as_posted;
    let rows: Vec<ObjectionRow> = objections
        .iter()
        .map(|o: &ObjectionView| {
            let mut row = ObjectionRow {
                id: o.id.to_string(),
                receipt: o.receipt.clone(),
                concerning: o.concerning.clone(),
                name: o.name.clone(),
                contact: o.contact_masked.clone(),
                organization: o.organization.clone().unwrap_or_default(),
                facts: o.facts.clone(),
                file: o.attachment.as_ref().map(|(_, _, name)| name.clone()),
                received_at: local_time(o.received_at),
                status: o.status.label(),
                resolved: o.status.is_resolved(),
                findings: o.findings.clone().unwrap_or_default(),
                may_investigate: handles && o.status == ObjectionStatus::Received,
                may_resolve: handles && !o.status.is_resolved(),
                history: o
                    .steps
                    .iter()
                    .map(|step| {
                        let what = match step.action.as_str() {
                            "investigate" => "受理调查",
                            "sustain" => "办结：异议成立",
                            _ => "办结：异议不成立",
                        };
                        (what, step.actor_name.clone(), local_time(step.at), step.comment.clone().unwrap_or_default())
                    })
                    .collect(),
                decision: String::new(),
                decision_error: None,
                findings_input: Reason::default(),
            };
            if let Some(t) = as_posted.as_mut().filter(|t| t.objection == o.id.to_string()) {
                row.decision = t.decision.clone();
                row.decision_error = t.errors.take("decision");
                row.findings_input = Reason::new(t.findings.clone(), t.errors.take("findings"));
            }
            row
        })
        .collect();
    if let Some(t) = as_posted {
        errors.extend(t.errors.rest());
    }
    let unresolved = objections.iter().any(|o| !o.status.is_resolved());
    let stored_open = matches!(Some(n.stored_status()), Some(NoticeStatus::Scheduled | NoticeStatus::Open));
    let over = n.period.phase(state.app.now()) == Phase::Over;
    let leader = allowed(who, access::Action::ConcludeNotice);
    let conclude_blocked = if !leader || concluded {
        None
    } else if !over {
        Some("公示期满后方可认定。")
    } else if unresolved {
        Some("尚有异议未办结，全部办结后方可认定。")
    } else {
        None
    };
    let plaques = if concluded {
        match state.app.registry(&BaseFilter::default()).await {
            Ok(bases) => bases
                .into_iter()
                .filter(|b| b.notice_id == n.id)
                .map(|b| PlaqueLink { href: format!("/bureau/bases/{}/plaque", b.id), name: b.name, number: b.number })
                .collect(),
            Err(error) => return error_page(page, error),
        }
    } else {
        Vec::new()
    };
    let template = BureauNoticePage {
        page: page.clone(),
        doc: notice_doc(&n, state.app.now(), state.app.objection_contact.as_deref()),
        status: n.status.label(),
        objections: rows,
        may_close: allowed(who, access::Action::PublishNotice) && over && stored_open,
        may_conclude: leader && !concluded && over && !unresolved,
        conclude_blocked,
        plaques,
        notice,
        errors,
    };
    no_store(respond(status, &page, &template))
}

/// `GET /bureau/notices/{id}`: the notice, its objections and what may be done now.
pub(super) async fn bureau_notice(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    bureau_notice_page(&state, page, &who, &id, None, (notice_of(raw.as_deref()), Vec::new(), StatusCode::OK)).await
}

/// After an action on a notice: its page with `?done=`, or the page with the refusal.
pub(super) async fn after(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    id: &str,
    outcome: Result<&'static str, AppError>,
) -> Response {
    match outcome {
        Ok(done) => Redirect::to(&format!("/bureau/notices/{id}?done={done}")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors, _)) => {
                bureau_notice_page(state, page, who, id, None, (None, errors.rest(), status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /bureau/notices/{id}/close`: 结束公示 once its last day has passed.
pub(super) async fn close(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    let outcome = state.app.close_notice(Some(&who), &id, &meta).await.map(|_| "closed");
    after(&state, page, &who, &id, outcome).await
}

/// `POST /bureau/notices/{id}/conclude`: the leader's 认定.
pub(super) async fn conclude(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    let outcome = state.app.conclude_notice(&who, &id, &meta).await.map(|_| "concluded");
    after(&state, page, &who, &id, outcome).await
}

/// Is this objection one of this notice's? (A path naming another notice finds nothing.)
pub(super) async fn belongs(
    state: &AppState,
    who: &Authenticated,
    id: &str,
    objection: &str,
) -> Result<bool, AppError> {
    Ok(state.app.objections(who, id).await?.iter().any(|o| o.id.to_string() == objection))
}

/// `POST /bureau/notices/{id}/objections/{objection}/investigate`: 受理调查.
pub(super) async fn investigate(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, objection)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    match belongs(&state, &who, &id, &objection).await {
        Ok(true) => {}
        Ok(false) => return not_found(page),
        Err(error) => return error_page(page, error),
    }
    let outcome = state.app.decide_objection(&who, &objection, None, "", &meta).await.map(|_| "investigating");
    after(&state, page, &who, &id, outcome).await
}

/// `POST /bureau/notices/{id}/objections/{objection}/resolve` (decision = sustained | dismissed,
/// findings): 办结 with findings.
pub(super) async fn resolve(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, objection)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    match belongs(&state, &who, &id, &objection).await {
        Ok(true) => {}
        Ok(false) => return not_found(page),
        Err(error) => return error_page(page, error),
    }
    let decision = fields.get("decision").unwrap_or_default().to_owned();
    let findings = fields.get("findings").unwrap_or_default().to_owned();
    let sustained = match decision.as_str() {
        "sustained" => Some(true),
        "dismissed" => Some(false),
        _ => None,
    };
    let outcome = match sustained {
        Some(sustained) => state.app.decide_objection(&who, &objection, Some(sustained), &findings, &meta).await,
        None => {
            let mut errors = vec![skillbase_app::FieldError::new("decision", "required", "请选择异议是否成立")];
            if findings.trim().is_empty() {
                errors.push(skillbase_app::FieldError::new("findings", "required", "请填写调查核实情况"));
            }
            Err(AppError::Fields(errors))
        }
    };
    match outcome {
        Ok(_) => Redirect::to(&format!("/bureau/notices/{id}?done=resolved")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors, _)) => {
                let as_posted = ResolveAsPosted { objection, decision, findings, errors };
                bureau_notice_page(&state, page, &who, &id, Some(as_posted), (None, Vec::new(), status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `GET /bureau/notices/{id}/objections/{objection}/file`: the objection's file, always as a
/// download, the user's file name only in an RFC 6266 `filename*`.
pub(super) async fn objection_file(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((id, objection)): Path<(String, String)>,
) -> Response {
    match belongs(&state, &who, &id, &objection).await {
        Ok(true) => {}
        Ok(false) => return not_found(page),
        Err(error) => return error_page(page, error),
    }
    match state.app.objection_file(&who, &objection).await {
        Ok((kind, name, bytes)) => {
            let mime =
                skillbase_domain::attachment::FileKind::parse(&kind).map_or("application/octet-stream", |k| k.mime());
            download(bytes, mime, &name)
        }
        Err(error) => error_page(page, error),
    }
}

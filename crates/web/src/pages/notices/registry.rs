//! The public registry of bases (基地名录) and the verification of a plaque (牌匾查验).

use super::*;

// ---------------------------------------------------------------------------------------------
// 基地名录 (public)

#[derive(Debug)]
pub(super) struct BaseRow {
    pub(super) number: String,
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) industry: String,
    pub(super) recognised_on: String,
    pub(super) status: &'static str,
    pub(super) revoked: bool,
}

pub(super) fn base_row(b: &BaseView, words: &Words) -> BaseRow {
    BaseRow {
        number: b.number.clone(),
        name: b.name.clone(),
        kind: words.name(&b.kind),
        industry: words.name(&b.industry),
        recognised_on: chinese_date(b.recognised_on),
        status: b.status.label(),
        revoked: b.status == BaseStatus::Revoked,
    }
}

#[derive(Template)]
#[template(path = "notices/registry.html")]
pub(super) struct RegistryPage {
    pub(super) page: Page,
    pub(super) filters: Vec<Input>,
    pub(super) rows: Vec<BaseRow>,
    pub(super) filtered: bool,
}

/// `GET /bases?industry=&kind=&year=&status=`: every recognised base; revoked ones say so.
pub(super) async fn registry(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let Ok(params) = crate::query_params(raw.as_deref()) else {
        return PageError::new(page, StatusCode::BAD_REQUEST).into_response();
    };
    let words = or_error_page!(Words::load(&state).await, page);
    let value = |name: &str| params.get(name).unwrap_or_default().trim().to_owned();
    let (industry, kind, year, status) = (value("industry"), value("kind"), value("year"), value("status"));
    let mut errors = Errors::default();
    if !industry.is_empty() && !words.industries.iter().any(|(id, _)| *id == industry) {
        errors.fields.push(("industry".into(), "请从列表中选择重点产业".into()));
    }
    if !kind.is_empty() && !words.kinds.iter().any(|(id, _)| *id == kind) {
        errors.fields.push(("kind".into(), "请从列表中选择单位类型".into()));
    }
    let year_number = match year.as_str() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(y) if skillbase_domain::batch::PROGRAMME_YEARS.contains(&y) => Some(y),
            _ => {
                let years = &skillbase_domain::batch::PROGRAMME_YEARS;
                let message = format!("请填写 {} 至 {} 年之间的认定年度，例如 2024", years.start(), years.end());
                errors.fields.push(("year".into(), message));
                None
            }
        },
    };
    if !status.is_empty() && BaseStatus::parse(&status).is_none() {
        errors.fields.push(("status".into(), "请从列表中选择状态".into()));
    }
    let any = |label: &str| (String::new(), label.to_owned());
    let mut industries = vec![any("全部产业")];
    industries.extend(words.industries.iter().cloned());
    let mut kinds = vec![any("全部类型")];
    kinds.extend(words.kinds.iter().cloned());
    let mut statuses = vec![any("全部状态")];
    statuses.extend(BaseStatus::ALL.iter().map(|s| (s.as_str().to_owned(), s.label().to_owned())));
    let mut filters = vec![
        Input::select("industry", "重点产业", industries).without_placeholder().value(&industry).optional(),
        Input::select("kind", "单位类型", kinds).without_placeholder().value(&kind).optional(),
        Input::number("year", "认定年度", bounds(&skillbase_domain::batch::PROGRAMME_YEARS)).value(&year).optional(),
        Input::select("status", "状态", statuses).without_placeholder().value(&status).optional(),
    ];
    let invalid = !errors.fields.is_empty();
    let rows = if invalid {
        Vec::new()
    } else {
        let filter = BaseFilter {
            industry: (!industry.is_empty()).then_some(industry.as_str()),
            kind: (!kind.is_empty()).then_some(kind.as_str()),
            year: year_number,
            status: (!status.is_empty()).then_some(status.as_str()),
            organization_id: None,
        };
        match state.app.registry(&filter).await {
            Ok(found) => found.iter().map(|b| base_row(b, &words)).collect(),
            Err(error) => return error_page(page, error),
        }
    };
    let _ = place_errors(&mut filters, errors);
    let filtered = !(industry.is_empty() && kind.is_empty() && year.is_empty() && status.is_empty());
    let template = RegistryPage { page: page.clone(), filters, rows, filtered };
    respond(if invalid { StatusCode::BAD_REQUEST } else { StatusCode::OK }, &page, &template)
}

// ---------------------------------------------------------------------------------------------
// 牌匾查验 (public)

#[derive(Template)]
#[template(path = "notices/verify_form.html")]
pub(super) struct VerifyFormPage {
    pub(super) page: Page,
    pub(super) input: Input,
    pub(super) name: Input,
}

pub(super) fn number_input(value: &str) -> Input {
    Input::text("number", "牌匾或证书编号")
        .value(value)
        .hint("牌匾上的编号，例如 QPJD-2024-001；或职业技能等级证书编号，例如 QPZS-2024-000001。")
        .maxlength(20)
}

/// The holder's name a certificate is verified with.
pub(super) fn holder_input(value: &str) -> Input {
    Input::text("name", "持证人姓名")
        .value(value)
        .hint("查验职业技能等级证书时填写，须与证书上的姓名一致。")
        .maxlength(50)
        .optional()
}

/// `GET /verify` (and `?number=`, the form sent without script): the form, or on to the answer.
pub(super) async fn verify_form(page: Page, RawQuery(raw): RawQuery) -> Response {
    let params = crate::query_params(raw.as_deref()).unwrap_or_default();
    let number = params.get("number").unwrap_or_default().trim().to_uppercase();
    if !number.is_empty() {
        if number.len() <= 20 && number.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            // A certificate is verified with its holder's name, carried on.
            let name = params.get("name").map(str::trim).filter(|n| !n.is_empty());
            let to = match name {
                Some(name) => {
                    format!("/verify/{number}?{}", serde_urlencoded::to_string([("name", name)]).unwrap_or_default())
                }
                None => format!("/verify/{number}"),
            };
            return Redirect::to(&to).into_response();
        }
        let mut input = number_input(&number);
        input.error = Some("牌匾编号由字母、数字和连字符组成，例如 QPJD-2024-001".to_owned());
        input.autofocus = true;
        let template = VerifyFormPage { page: page.clone(), input, name: holder_input("") };
        return respond(StatusCode::BAD_REQUEST, &page, &template);
    }
    let template = VerifyFormPage { page: page.clone(), input: number_input(""), name: holder_input("") };
    respond(StatusCode::OK, &page, &template)
}

/// What a verification shows: nothing personal.
#[derive(Debug)]
pub(super) struct VerifyView {
    pub(super) number: String,
    /// 有效 | 整改中 | 已核销 | 未查到, in big words.
    pub(super) word: &'static str,
    /// `valid` …, for the style.
    pub(super) code: &'static str,
    pub(super) sentence: &'static str,
    pub(super) base: Option<PlaqueFacts>,
}

#[derive(Debug)]
pub(super) struct PlaqueFacts {
    pub(super) name: String,
    pub(super) number: String,
    pub(super) recognised_on: String,
    pub(super) status: &'static str,
    /// The day the base was revoked, if it was.
    pub(super) revoked_on: Option<String>,
    pub(super) signed_text: String,
    pub(super) signature: String,
    pub(super) public_key: String,
}

pub(super) fn plaque_facts(p: &Plaque) -> PlaqueFacts {
    PlaqueFacts {
        name: p.base.name.clone(),
        number: p.base.number.clone(),
        recognised_on: chinese_date(p.statement.recognised_on),
        status: p.base.status.label(),
        revoked_on: p.base.revoked_on.map(chinese_date),
        signed_text: p.statement.message(),
        signature: p.signature.clone(),
        public_key: p.public_key.clone(),
    }
}

#[derive(Template)]
#[template(path = "notices/verify.html")]
pub(super) struct VerifyPage {
    pub(super) page: Page,
    pub(super) v: VerifyView,
    pub(super) input: Input,
}

/// What the verification of a certificate shows: for the right name, the certificate.
#[derive(Debug)]
pub(super) struct CertificateFacts {
    pub(super) holder: String,
    pub(super) resident_id: String,
    pub(super) occupation: String,
    pub(super) level: String,
    pub(super) issued_on: String,
    pub(super) base: String,
    pub(super) revoked_on: Option<String>,
    pub(super) signed_text: String,
    pub(super) signature: String,
    pub(super) public_key: String,
}

#[derive(Template)]
#[template(path = "notices/verify_certificate.html")]
pub(super) struct VerifyCertificatePage {
    pub(super) page: Page,
    pub(super) number: String,
    /// Asked for the name first (none given yet).
    pub(super) asking: bool,
    pub(super) word: &'static str,
    pub(super) code: &'static str,
    pub(super) sentence: &'static str,
    pub(super) certificate: Option<CertificateFacts>,
    pub(super) number_field: Input,
    pub(super) name_field: Input,
}

/// `GET /verify/{number}?name=` of a certificate: the name asked for, then the verdict.
async fn verify_certificate(state: &AppState, page: Page, number: String, name: &str) -> Response {
    let asking = name.trim().is_empty();
    let (verdict, found) = if asking {
        (skillbase_domain::certification::CertificateVerdict::Unknown, None)
    } else {
        or_error_page!(state.app.verify_certificate(&number, name).await, page)
    };
    let certificate = found.map(|v| CertificateFacts {
        holder: v.record.holder_name.clone(),
        resident_id: v.record.masked_id.clone(),
        occupation: format!("{} {}", v.statement.occupation, v.statement.occupation_name),
        level: v.statement.level.clone(),
        issued_on: chinese_date(v.record.issued_on),
        base: v.statement.base_name.clone(),
        revoked_on: v.record.revoked_on.map(chinese_date),
        signed_text: v.statement.message(),
        signature: v.record.signature.clone(),
        public_key: v.public_key.clone(),
    });
    let mut name_field = holder_input(name.trim());
    if asking {
        name_field.autofocus = true;
    }
    let status = match verdict {
        _ if asking => StatusCode::OK,
        skillbase_domain::certification::CertificateVerdict::Unknown => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    };
    let template = VerifyCertificatePage {
        page: page.clone(),
        number: number.clone(),
        asking,
        word: verdict.word(),
        code: verdict.code(),
        sentence: verdict.label(),
        certificate,
        number_field: number_input(&number),
        name_field,
    };
    respond(status, &page, &template)
}

/// `GET /verify/{number}`: valid, rectifying, revoked or unknown, with the signed statement.
pub(super) async fn verify(
    State(state): State<AppState>,
    page: Page,
    Path(number): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let candidate = number.trim().to_uppercase();
    if skillbase_domain::certification::is_certificate_number(&candidate) {
        let params = crate::query_params(raw.as_deref()).unwrap_or_default();
        let name = params.get("name").unwrap_or_default().to_owned();
        return verify_certificate(&state, page, candidate, &name).await;
    }
    let (verdict, plaque) = or_error_page!(state.app.verify_plaque(&number).await, page);
    let shown: String = number.trim().to_uppercase().chars().take(40).collect();
    let word = match verdict {
        Verdict::Valid => "有效",
        Verdict::Rectifying => "整改中",
        Verdict::Revoked => "已核销",
        Verdict::Unknown => "未查到",
    };
    let v = VerifyView {
        number: shown.clone(),
        word,
        code: crate::api::notices::verdict_code(verdict),
        sentence: verdict.label(),
        base: plaque.as_ref().map(plaque_facts),
    };
    let status = if verdict == Verdict::Unknown { StatusCode::NOT_FOUND } else { StatusCode::OK };
    let template = VerifyPage { page: page.clone(), v, input: number_input(&shown) };
    respond(status, &page, &template)
}

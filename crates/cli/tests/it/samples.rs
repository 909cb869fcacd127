//! What the application tests share: small real files of each allowed kind (and a disguised
//! program), a call opened through the API, uploads, and a complete form whose every file is a
//! real upload of the application.

use serde_json::{Value, json};

use crate::helpers::{SignedIn, TestApp};

pub const USCC: &str = "91310118MA1G00011T";
pub const OTHER_USCC: &str = "52310118MJ0000AA5B";
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
pub const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2,
    0, 0, 0, 0x90, 0x77, 0x53, 0xDE,
];
pub const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00";
pub const EXE: &[u8] =
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode.";
/// The policy's rule documents, in its order.
pub const RULE_DOCUMENTS: [&str; 4] =
    ["training_work", "training_management", "financial_management", "asset_management"];

/// Staff create and publish a call for 2024 (September to October) through the API; its id.
pub async fn open_call(app: &TestApp, staff: &SignedIn) -> String {
    let (status, batch) = app
        .post_json_as(
            staff,
            "/api/v1/batches",
            &json!({"year": 2024, "title": "2024年度技能实训基地申报", "opens_on": "2024-09-01", "closes_on": "2024-10-31", "quota": 5}),
        )
        .await;
    assert_eq!(status, 201, "{batch}");
    assert_eq!(batch["status"], "draft");
    assert_eq!(batch["policy_id"], "qingpu-2023-17@1");
    let id = batch["id"].as_str().expect("id").to_owned();
    let (status, published) = app.post_json_as(staff, &format!("/api/v1/batches/{id}/publish"), &json!({})).await;
    assert_eq!(
        (status, &published["status"], &published["accepting"]),
        (200, &json!("open"), &json!(true)),
        "{published}"
    );
    id
}

/// Uploads a file to an application through the API; the attachment's id.
pub async fn upload(app: &TestApp, who: &SignedIn, application: &str, name: &str, bytes: &[u8]) -> String {
    let (status, body) =
        app.upload_as(who, &format!("/api/v1/applications/{application}/attachments"), name, bytes).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().expect("id").to_owned()
}

/// A complete form whose every file is a real upload of this application.
pub async fn complete_form(app: &TestApp, who: &SignedIn, application: &str) -> Value {
    let photo = upload(app, who, application, "场地.png", PNG).await;
    let mut rule_documents = Vec::new();
    for kind in RULE_DOCUMENTS {
        let document = upload(app, who, application, &format!("{kind}.pdf"), PDF).await;
        let wall = upload(app, who, application, &format!("{kind}-上墙.png"), PNG).await;
        rule_documents.push(json!({"kind": kind, "document": document, "wall_photo": wall}));
    }
    let letter = upload(app, who, application, "承诺书.pdf", PDF).await;
    json!({
        "profile": {"industry": "digital", "registered_division": "310118",
                    "training_experience": "近三年开展数控技能培训 1200 人次", "open_to_region": true},
        "sites": [{"name": "数控实训中心", "address": "青浦区华新镇华腾路 1 号", "area_m2": 800,
                   "equipment": [{"name": "五轴加工中心", "quantity": 2, "value": 300000000}], "photos": [photo]}],
        "team": {"department": "培训部", "full_time_staff": 6,
                 "experts": [{"name": "王工", "title": "高级技师", "qualification": "一级/高级技师"}]},
        "rule_documents": rule_documents,
        "projects": [{"occupation": "6-18-01-01", "levels": ["level3", "level2"], "criteria": ["key_industry"], "annual_capacity": 200}],
        "trainees": {"own_staff": 300, "students": 0,
                     "supply_chain": [{"name": "上游配套公司", "uscc": OTHER_USCC, "relation": "upstream"}]},
        "commitment_letter": letter
    })
}

/// The `(field, code)` pairs of a problem's field errors.
pub fn codes(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| (e["field"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// A valid 统一社会信用代码 of a Qingpu enterprise, different for each `n`.
pub fn qingpu_uscc(n: u32) -> String {
    let body = format!("91310118MA1G{n:04}X");
    "0123456789ABCDEFGHJKLMNPQRTUWXY"
        .chars()
        .map(|c| format!("{body}{c}"))
        .find(|code| skillbase_domain::Uscc::parse(code).is_ok())
        .expect("one check character fits")
}

/// An organisation registers, fills in and submits a complete application in `batch`; staff
/// accept it and confirm every clause: it is eligible. With `priority`, it claims a priority
/// basis (a municipal high-skill base) that staff verify. The applicant and the application id.
pub async fn eligible_application(
    app: &TestApp,
    staff: &SignedIn,
    batch: &str,
    (uscc, username): (&str, &str),
    priority: bool,
) -> (SignedIn, String) {
    let applicant = app.register_applicant(uscc, username).await;
    let (status, created) = app.post_json_as(&applicant, "/api/v1/applications", &json!({ "batch_id": batch })).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let mut form = complete_form(app, &applicant, &id).await;
    if priority {
        let certificate = upload(app, &applicant, &id, "市级高技能人才培养基地证书.pdf", PDF).await;
        form["priority_claims"] =
            json!([{"basis": "municipal_high_skill_base", "description": "2021年认定", "certificate": certificate}]);
    }
    let request = app.client.put(app.url(&format!("/api/v1/applications/{id}"))).json(&json!({ "form": form }));
    let (status, _, body) = app.send_as(&applicant, request).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.post_json_as(staff, &format!("/api/v1/applications/{id}/accept"), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (_, trace) = app.get_json_as(staff, &format!("/api/v1/applications/{id}/eligibility")).await;
    for item in trace.as_array().expect("items") {
        let clause = item["clause"].as_str().expect("clause");
        let (status, body) = app
            .post_json_as(
                staff,
                &format!("/api/v1/applications/{id}/eligibility/{clause}"),
                &json!({"pass": true, "reason": "经核实"}),
            )
            .await;
        assert_eq!(status, 204, "{clause}: {body}");
    }
    let (status, body) =
        app.post_json_as(staff, &format!("/api/v1/applications/{id}/eligibility/conclude"), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("eligible")), "{body}");
    (applicant, id)
}

//! Setup shared by the notice page tests: a call whose applications have been reviewed, listed
//! and approved by a leader, all through the JSON API — the starting point of a public notice.

use serde_json::json;
use skillbase_domain::roles::Role;

use crate::helpers::{SignedIn, TestApp};
use crate::review::{expert, score_all};
use crate::samples::{eligible_application, open_call, qingpu_uscc};

/// An approved recognition list, waiting for its notice.
pub(crate) struct Approved {
    pub staff: SignedIn,
    pub proposal: String,
    /// The applications on the list with their organisations' names, best first.
    pub applications: Vec<(String, String)>,
}

/// `count` organisations (usernames `{prefix}-1` …) apply in the 2024 call (opened through the
/// API) and are found eligible; three experts score them (90, 85, …); staff close the call and
/// draft the list; a leader approves it.
pub(crate) async fn approved_list(app: &TestApp, prefix: &str, count: u32) -> Approved {
    let staff = app.sign_in_user(Role::Staff, &format!("{prefix}-staff"), "经办人").await.0;
    let batch = open_call(app, &staff).await;
    let mut applications = Vec::new();
    for n in 1..=count {
        let username = format!("{prefix}-{n}");
        let (_, id) = eligible_application(app, &staff, &batch, (&qingpu_uscc(n), &username), false).await;
        applications.push((id, format!("申报单位{username}")));
    }
    let mut experts = Vec::new();
    for i in 0..3 {
        experts.push(expert(app, &staff, &format!("{prefix}-panel-{i}"), json!({})).await);
    }
    for (i, (application, _)) in applications.iter().enumerate() {
        score_all(app, &staff, &experts, application, 90 - 5 * u32::try_from(i).unwrap_or(0)).await;
    }
    let (status, _) = app.post_json_as(&staff, &format!("/api/v1/batches/{batch}/close"), &json!({})).await;
    assert_eq!(status, 200);
    let (status, proposal) =
        app.post_json_as(&staff, "/api/v1/proposals", &json!({"batch_id": batch, "note": "经评审"})).await;
    assert_eq!(status, 201, "{proposal}");
    let proposal = proposal["id"].as_str().expect("id").to_owned();
    let leader = app.sign_in_user(Role::Leader, &format!("{prefix}-approver"), "分管领导").await.0;
    let (status, body) =
        app.post_json_as(&leader, &format!("/api/v1/proposals/{proposal}/approve"), &json!({"note": "同意"})).await;
    assert_eq!(status, 200, "{body}");
    Approved { staff, proposal, applications }
}

/// The regular expressions of SEC-16, by hand: a mainland mobile number `1[3-9]\d{9}` or an
/// 18-character resident ID `\d{17}[\dXx]` anywhere in `text`; the first hit.
pub(crate) fn personal_number(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    for start in 0..chars.len() {
        let digits = chars[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        let phone = digits >= 11 && chars[start] == '1' && ('3'..='9').contains(&chars[start + 1]);
        if phone {
            return Some(chars[start..start + 11].iter().collect());
        }
        let id = digits >= 18 || (digits == 17 && chars.get(start + 17).is_some_and(|c| matches!(c, 'X' | 'x')));
        if id {
            return Some(chars[start..start + 18].iter().collect());
        }
    }
    None
}

#[test]
fn the_scan_finds_phones_and_ids() {
    assert_eq!(personal_number("电话 13800138000。"), Some("13800138000".to_owned()));
    assert_eq!(personal_number("身份证 31010119900307123X"), Some("31010119900307123X".to_owned()));
    assert_eq!(personal_number("a12800138000 2024-10-09 QPJD-2024-001 91310118MA1G00011T"), None);
}

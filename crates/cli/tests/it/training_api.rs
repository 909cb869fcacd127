//! A recognised base's training records through the API, on both engines: the whole story
//! (project, class, trainees, enrolments paged, an updated enrolment, a master–apprentice pair
//! with its agreement, a competition and a result), finding trainees, the refusals by field,
//! who may read and record, and the audited reveal of an ID number after re-authentication. No
//! list or detail ever carries a full ID number.

use serde_json::{Value, json};
use skillbase_domain::roles::Role;

use crate::helpers::{ROLE_PASSWORD, SignedIn, TestApp};
use crate::on_both_engines;
use crate::samples::{PDF, codes};
use crate::subsidy::recognised_bases;

on_both_engines!(the_whole_story_through_the_api, who_may_read_and_record, the_full_number_needs_a_fresh_password);

/// A valid resident ID number (GB 11643) of someone born in January 1990, different for each `n`.
fn resident_id(n: u32) -> String {
    let body = format!("310118199001{:02}{:03}", n % 28 + 1, n % 900 + 100);
    "0123456789X"
        .chars()
        .map(|c| format!("{body}{c}"))
        .find(|id| skillbase_domain::resident_id::ResidentId::parse(id).is_ok())
        .expect("one check character fits")
}

/// A GET as `who`: status, headers and the raw body.
async fn get_raw(app: &TestApp, who: &SignedIn, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = app.client.get(app.url(path)).header("cookie", &who.cookie).send().await.expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("body"))
}

/// A POST of JSON as `who`, with an `Idempotency-Key`: status, headers and the JSON answer.
async fn post_keyed(
    app: &TestApp,
    who: &SignedIn,
    path: &str,
    key: &str,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    app.send_as(who, app.client.post(app.url(path)).header("idempotency-key", key).json(body)).await
}

/// A master–apprentice pair posted as `multipart/form-data`, with the agreement if given.
async fn post_pair(
    app: &TestApp,
    who: &SignedIn,
    base: &str,
    apprentice: &str,
    agreement: Option<(&str, &[u8])>,
) -> (u16, Value) {
    let boundary = "skillbase-pair-boundary-8Hq2";
    let mut body = Vec::new();
    for (name, value) in [
        ("apprentice", apprentice),
        ("master", "李大师"),
        ("master_title", "高级技师"),
        ("occupation", "6-31-01-02"),
        ("starts_on", "2024-10-01"),
        ("ends_on", "2025-09-30"),
        ("outcome", "ongoing"),
    ] {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some((filename, bytes)) = agreement {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"agreement\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let request = app
        .client
        .post(app.url(&format!("/api/v1/bases/{base}/apprenticeships")))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body);
    let (status, _, json) = app.send_as(who, request).await;
    (status, json)
}

fn project_body() -> Value {
    json!({"occupation": "6-31-01-02", "levels": ["4", "3"], "criteria": ["key_industry"], "description": "数控加工"})
}

fn class_body(project: &str, name: &str) -> Value {
    json!({
        "project": project, "name": name, "mode": "self_run", "starts_on": "2024-10-08", "ends_on": "2024-10-31",
        "hours": 80, "place": "基地实训楼", "teachers": "张师傅", "innovations": ["technology"]
    })
}

fn trainee_body(n: u32) -> Value {
    json!({
        "name": format!("学员{n}"), "resident_id": resident_id(n), "phone": format!("1380013{n:04}"),
        "relation": "own", "category": "own_employee"
    })
}

fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap_or_else(|| panic!("an id: {body}")).to_owned()
}

/// The base's records a test works on.
struct Records {
    project: String,
    class: String,
    trainees: Vec<String>,
    enrolment: String,
    pair: String,
    competition: String,
}

/// Records one of each kind as `who` for `base` (two trainees).
async fn record_some(app: &TestApp, who: &SignedIn, base: &str) -> Records {
    let path = |tail: &str| format!("/api/v1/bases/{base}/{tail}");
    let (status, project) = app.post_json_as(who, &path("projects"), &project_body()).await;
    assert_eq!(status, 201, "{project}");
    let project = id_of(&project);
    let (status, class) = app.post_json_as(who, &path("classes"), &class_body(&project, "数控车工中级班")).await;
    assert_eq!(status, 201, "{class}");
    let class = id_of(&class);
    let mut trainees = Vec::new();
    for n in 1..=2 {
        let (status, trainee) = app.post_json_as(who, &path("trainees"), &trainee_body(n)).await;
        assert_eq!(status, 201, "{trainee}");
        trainees.push(id_of(&trainee));
    }
    let (status, enrolment) =
        app.post_json_as(who, &path("enrolments"), &json!({"class": class, "trainee": trainees[0], "hours": 8})).await;
    assert_eq!(status, 201, "{enrolment}");
    let (status, pair) = post_pair(app, who, base, &trainees[1], Some(("师带徒协议.pdf", PDF))).await;
    assert_eq!(status, 201, "{pair}");
    let competition = json!({"name": "青浦区数控车工技能竞赛", "level": "district", "held_on": "2024-10-10"});
    let (status, competition) = app.post_json_as(who, &path("competitions"), &competition).await;
    assert_eq!(status, 201, "{competition}");
    Records {
        project,
        class,
        trainees,
        enrolment: id_of(&enrolment),
        pair: id_of(&pair),
        competition: id_of(&competition),
    }
}

async fn the_whole_story_through_the_api(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let (base, org) = &cast.bases[0];
    let us = app.sign_in_again(org).await;
    let path = |tail: &str| format!("/api/v1/bases/{base}/{tail}");

    // Nothing yet; the organisation may record.
    let (status, overview) = app.get_json_as(&us, &path("training")).await;
    assert_eq!((status, &overview["may_record"], &overview["counts"]["trainees"]), (200, &json!(true), &json!(0)));

    // A project, created once however often the request is retried with its key.
    let (status, headers, project) = post_keyed(&app, &us, &path("projects"), "project-1", &project_body()).await;
    assert_eq!(status, 201, "{project}");
    assert_eq!((&project["levels"], &project["criteria"]), (&json!(["4", "3"]), &json!(["key_industry"])));
    assert!(headers.get("idempotency-replayed").is_none());
    let (status, headers, again) = post_keyed(&app, &us, &path("projects"), "project-1", &project_body()).await;
    assert_eq!((status, &again["id"]), (201, &project["id"]), "{again}");
    assert_eq!(headers["idempotency-replayed"], "true");
    let mut other = project_body();
    other["description"] = json!("另一个项目");
    let (status, _, refused) = post_keyed(&app, &us, &path("projects"), "project-1", &other).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("idempotency_key_reused")), "{refused}");
    let (_, projects) = app.get_json_as(&us, &path("projects")).await;
    assert_eq!(projects.as_array().map(Vec::len), Some(1), "{projects}");
    let project = id_of(&project);

    // A class of it; a class without its project, name or dates is refused field by field.
    let (status, class) = app.post_json_as(&us, &path("classes"), &class_body(&project, "数控车工中级班")).await;
    assert_eq!(status, 201, "{class}");
    assert_eq!(
        (&class["mode"], &class["starts_on"], &class["hours"]),
        (&json!("self_run"), &json!("2024-10-08"), &json!(80))
    );
    let class = id_of(&class);
    let (status, refused) = app.post_json_as(&us, &path("classes"), &json!({"mode": "correspondence"})).await;
    assert_eq!(status, 400, "{refused}");
    let refused = codes(&refused);
    for field in ["project", "name", "mode", "starts_on", "hours"] {
        assert!(refused.iter().any(|(f, _)| f == field), "{field}: {refused:?}");
    }
    assert!(refused.contains(&("project".to_owned(), "unknown_project".to_owned())), "{refused:?}");
    let (status, detail) = app.get_json_as(&us, &path(&format!("classes/{class}"))).await;
    assert_eq!((status, &detail["name"]), (200, &json!("数控车工中级班")));
    let (_, listed) = app.get_json_as(&us, &path(&format!("classes?project={project}&mode=self_run&name=中级"))).await;
    assert_eq!(listed["total"], 1, "{listed}");
    let (status, listed) = app.get_json_as(&us, &path("classes?mode=correspondence")).await;
    assert_eq!((status, codes(&listed)), (400, vec![("mode".to_owned(), "not_in_dictionary".to_owned())]));

    // Five trainees; the same person twice is refused; a wrong number is refused by field.
    let mut trainees = Vec::new();
    for n in 1..=5 {
        let (status, trainee) = app.post_json_as(&us, &path("trainees"), &trainee_body(n)).await;
        assert_eq!(status, 201, "{trainee}");
        assert!(trainee.get("resident_id").is_none() && trainee.get("resident_id_index").is_none(), "{trainee}");
        trainees.push(id_of(&trainee));
    }
    let mut twice = trainee_body(3);
    twice["name"] = json!("另一个名字");
    let (status, refused) = app.post_json_as(&us, &path("trainees"), &twice).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(codes(&refused), [("resident_id".to_owned(), "duplicate_trainee".to_owned())]);
    let mut wrong = trainee_body(9);
    wrong["resident_id"] = json!("310118199001011234");
    wrong["relation"] = json!("cousin");
    let (status, refused) = app.post_json_as(&us, &path("trainees"), &wrong).await;
    assert_eq!(status, 400, "{refused}");
    let refused_fields: Vec<String> = codes(&refused).into_iter().map(|(f, _)| f).collect();
    assert!(refused_fields.contains(&"resident_id".to_owned()) && refused_fields.contains(&"relation".to_owned()));
    assert!(!refused.to_string().contains("310118199001011234"), "no message repeats the number: {refused}");

    // Found by the exact number and by name.
    let (status, found) = app.get_json_as(&us, &path(&format!("trainees?resident_id={}", resident_id(3)))).await;
    assert_eq!((status, &found["total"]), (200, &json!(1)), "{found}");
    assert_eq!((&found["items"][0]["id"], &found["items"][0]["name"]), (&json!(trainees[2]), &json!("学员3")));
    let (_, found) = app.get_json_as(&us, &path("trainees?name=学员4")).await;
    assert_eq!((&found["total"], &found["items"][0]["id"]), (&json!(1), &json!(trainees[3])), "{found}");
    let (_, found) = app.get_json_as(&us, &path(&format!("trainees?resident_id={}", resident_id(20)))).await;
    assert_eq!(found["total"], 0, "{found}");
    let (status, found) = app.get_json_as(&us, &path("trainees?resident_id=12345")).await;
    assert_eq!(status, 400, "{found}");
    assert_eq!(codes(&found)[0].0, "resident_id");
    let (_, all) = app.get_json_as(&us, &path("trainees?category=own_employee&relation=own")).await;
    assert_eq!(all["total"], 5, "{all}");
    assert_eq!(all["items"][0]["resident_id_masked"].as_str().map(|m| m.contains('*')), Some(true), "{all}");

    // Each trainee enrolled, and the enrolments read back two at a time: nothing lost or repeated.
    for trainee in &trainees {
        let body =
            json!({"class": class, "trainee": trainee, "hours": 10, "completion": "enrolled", "outcome": "pending"});
        let (status, enrolment) = app.post_json_as(&us, &path("enrolments"), &body).await;
        assert_eq!(status, 201, "{enrolment}");
    }
    let (status, refused) =
        app.post_json_as(&us, &path("enrolments"), &json!({"class": class, "trainee": trainees[0]})).await;
    assert_eq!((status, codes(&refused)), (400, vec![("trainee".to_owned(), "already_enrolled".to_owned())]));
    let (status, refused) = app
        .post_json_as(&us, &path("enrolments"), &json!({"class": "nope", "trainee": trainees[0], "hours": 900}))
        .await;
    assert_eq!((status, codes(&refused)[0].0.as_str()), (400, "class"), "{refused}");
    let mut seen = Vec::new();
    let mut next_path = path("enrolments?limit=2");
    let mut pages = 0;
    loop {
        let (status, headers, text) = get_raw(&app, &us, &next_path).await;
        assert_eq!(status, 200, "{text}");
        let page: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(page["total"], 5, "{page}");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(id_of));
        pages += 1;
        match page["next"].as_str() {
            Some(next) => {
                let link = headers["link"].to_str().expect("ascii");
                assert!(link.ends_with("; rel=\"next\"") && link.contains(&format!("after={next}")), "{link}");
                assert!(link.contains("limit=2"), "the link keeps the query: {link}");
                next_path = link.trim_start_matches('<').split('>').next().expect("target").to_owned();
            }
            None => {
                assert!(headers.get("link").is_none(), "no link from the last page");
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (5, 5), "{seen:?}");
    let (_, by_trainee) = app.get_json_as(&us, &path(&format!("enrolments?trainee={}", trainees[1]))).await;
    assert_eq!(by_trainee["total"], 1, "{by_trainee}");
    let (status, refused) = app.get_json_as(&us, &path("enrolments?limit=many&completion=done")).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        codes(&refused),
        [("completion".to_owned(), "not_in_dictionary".to_owned()), ("limit".to_owned(), "invalid_integer".to_owned())]
    );

    // An enrolment completed and passed; a result before completion is refused.
    let enrolment = &seen[0];
    let update = app
        .client
        .put(app.url(&path(&format!("enrolments/{enrolment}"))))
        .json(&json!({"hours": 80, "completion": "completed", "outcome": "passed"}));
    let (status, _, updated) = app.send_as(&us, update).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        (&updated["hours"], &updated["completion"], &updated["outcome"]),
        (&json!(80), &json!("completed"), &json!("passed"))
    );
    let update = app
        .client
        .put(app.url(&path(&format!("enrolments/{enrolment}"))))
        .json(&json!({"hours": 81, "completion": "enrolled", "outcome": "passed"}));
    let (status, _, refused) = app.send_as(&us, update).await;
    assert_eq!(status, 400, "{refused}");
    let refused = codes(&refused);
    assert!(refused.contains(&("outcome".to_owned(), "not_completed".to_owned())), "{refused:?}");
    assert!(refused.iter().any(|(f, _)| f == "hours"), "more hours than the class has: {refused:?}");
    let (_, completed) = app.get_json_as(&us, &path("enrolments?completion=completed")).await;
    assert_eq!((&completed["total"], &completed["items"][0]["id"]), (&json!(1), &json!(enrolment)));

    // A master–apprentice pair with its agreement, downloaded again; none without one.
    let (status, refused) = post_pair(&app, &us, base, &trainees[0], None).await;
    assert_eq!((status, codes(&refused)), (400, vec![("agreement".to_owned(), "required".to_owned())]));
    let (status, pair) = post_pair(&app, &us, base, &trainees[0], Some(("师带徒协议.pdf", PDF))).await;
    assert_eq!(status, 201, "{pair}");
    assert_eq!(
        (&pair["apprentice_name"], &pair["outcome"], &pair["agreement_kind"]),
        (&json!("学员1"), &json!("ongoing"), &json!("pdf"))
    );
    let (_, pairs) = app.get_json_as(&us, &path("apprenticeships")).await;
    assert_eq!((&pairs["total"], &pairs["next"]), (&json!(1), &Value::Null), "{pairs}");
    let pair = id_of(&pair);
    let download = app
        .client
        .get(app.url(&path(&format!("apprenticeships/{pair}/agreement"))))
        .header("cookie", &us.cookie)
        .send()
        .await
        .expect("download");
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert!(download.headers()["content-disposition"].to_str().expect("ascii").starts_with("attachment"));
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), PDF);

    // A competition and a trainee's result in it.
    let body = json!({"name": "青浦区数控车工技能竞赛", "level": "district", "held_on": "2024-10-10", "organizer": "区人社局"});
    let (status, competition) = app.post_json_as(&us, &path("competitions"), &body).await;
    assert_eq!(status, 201, "{competition}");
    assert_eq!((&competition["level"], &competition["entries"]), (&json!("district"), &json!([])));
    let competition = id_of(&competition);
    let (status, refused) = app
        .post_json_as(
            &us,
            &path("competitions"),
            &json!({"name": "未来的竞赛", "level": "district", "held_on": "2099-01-01"}),
        )
        .await;
    assert_eq!((status, codes(&refused)), (400, vec![("held_on".to_owned(), "date_in_future".to_owned())]));
    let entries = path(&format!("competitions/{competition}/entries"));
    let (status, entry) =
        app.post_json_as(&us, &entries, &json!({"trainee": trainees[2], "result": "第一名", "award": "一等奖"})).await;
    assert_eq!((status, &entry["trainee_name"], &entry["award"]), (201, &json!("学员3"), &json!("一等奖")), "{entry}");
    let (status, refused) = app.post_json_as(&us, &entries, &json!({"trainee": trainees[2], "result": "第二名"})).await;
    assert_eq!((status, codes(&refused)), (400, vec![("trainee".to_owned(), "already_entered".to_owned())]));
    let (status, detail) = app.get_json_as(&us, &path(&format!("competitions/{competition}"))).await;
    assert_eq!((status, &detail["participants"], &detail["entries"][0]["result"]), (200, &json!(1), &json!("第一名")));
    let (_, listed) = app.get_json_as(&us, &path("competitions")).await;
    assert_eq!(listed["total"], 1, "{listed}");

    // The overview counts it all.
    let (_, overview) = app.get_json_as(&us, &path("training")).await;
    assert_eq!(
        overview["counts"],
        json!({"projects": 1, "classes": 1, "trainees": 5, "enrolments": 5, "completed": 1, "apprenticeships": 1, "competitions": 1}),
        "{overview}"
    );

    // No answer carries a full ID number.
    for read in [
        path("trainees"),
        path(&format!("trainees/{}", trainees[2])),
        path("enrolments"),
        path(&format!("competitions/{competition}")),
        path("apprenticeships"),
        path("training"),
    ] {
        let (status, _, text) = get_raw(&app, &us, &read).await;
        assert_eq!(status, 200, "{read}: {text}");
        for n in 1..=5 {
            assert!(!text.contains(&resident_id(n)), "{read} carries a full ID number: {text}");
        }
    }
    // Bad ids in the path are not found.
    for read in
        [path("classes/nope"), path("trainees/nope"), path("competitions/nope"), path("apprenticeships/nope/agreement")]
    {
        let (status, _, text) = get_raw(&app, &us, &read).await;
        assert_eq!(status, 404, "{read}: {text}");
        assert!(text.contains("\"not_found\""), "{text}");
    }
    let (status, _, text) = get_raw(&app, &us, "/api/v1/bases/nope/training").await;
    assert_eq!(status, 404, "{text}");
}

/// Every endpoint of the base, with the records it names: (method, path, JSON body of a create).
fn endpoints(base: &str, r: &Records) -> Vec<(&'static str, String, Option<Value>)> {
    let p = |tail: &str| format!("/api/v1/bases/{base}/{tail}");
    vec![
        ("GET", p("training"), None),
        ("GET", p("projects"), None),
        ("POST", p("projects"), Some(project_body())),
        ("GET", p("classes"), None),
        ("POST", p("classes"), Some(class_body(&r.project, "另一个班"))),
        ("GET", p(&format!("classes/{}", r.class)), None),
        ("GET", p("trainees"), None),
        ("POST", p("trainees"), Some(trainee_body(7))),
        ("GET", p(&format!("trainees/{}", r.trainees[0])), None),
        ("POST", p(&format!("trainees/{}/reveal", r.trainees[0])), Some(json!({}))),
        ("GET", p("enrolments"), None),
        ("POST", p("enrolments"), Some(json!({"class": r.class, "trainee": r.trainees[1]}))),
        ("PUT", p(&format!("enrolments/{}", r.enrolment)), Some(json!({"hours": 9}))),
        ("GET", p("apprenticeships"), None),
        ("POST", p("apprenticeships"), Some(json!({}))),
        ("GET", p(&format!("apprenticeships/{}/agreement", r.pair)), None),
        ("GET", p("competitions"), None),
        ("POST", p("competitions"), Some(json!({"name": "竞赛", "level": "base", "held_on": "2024-10-01"}))),
        ("GET", p(&format!("competitions/{}", r.competition)), None),
        (
            "POST",
            p(&format!("competitions/{}/entries", r.competition)),
            Some(json!({"trainee": r.trainees[0], "result": "第三名"})),
        ),
    ]
}

/// The status and problem code of one endpoint asked by `who`.
async fn ask(
    app: &TestApp,
    who: &SignedIn,
    (method, path, body): &(&'static str, String, Option<Value>),
) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = app.client.request(method, app.url(path));
    if let Some(body) = body {
        request = request.json(body);
    }
    let (status, _, body) = app.send_as(who, request).await;
    (status, body["code"].as_str().unwrap_or("").to_owned())
}

async fn who_may_read_and_record(app: TestApp) {
    let cast = recognised_bases(&app, 2).await;
    let ((ours, our_org), (theirs, their_org)) = (&cast.bases[0], &cast.bases[1]);
    let us = app.sign_in_again(our_org).await;
    let records = record_some(&app, &us, ours).await;
    let endpoints = endpoints(ours, &records);
    assert_eq!(endpoints.len(), 20, "every training endpoint");

    // Another organisation finds nothing of this base, not even its existence.
    let them = app.sign_in_again(their_org).await;
    for endpoint in &endpoints {
        assert_eq!(ask(&app, &them, endpoint).await, (404, "not_found".to_owned()), "{} {}", endpoint.0, endpoint.1);
    }
    // Nor does its own base hold our records.
    let (status, _) = app.get_json_as(&them, &format!("/api/v1/bases/{theirs}/classes/{}", records.class)).await;
    assert_eq!(status, 404);
    let (status, refused) = app
        .post_json_as(
            &them,
            &format!("/api/v1/bases/{theirs}/enrolments"),
            &json!({"class": records.class, "trainee": records.trainees[0]}),
        )
        .await;
    assert_eq!((status, codes(&refused)[0].1.as_str()), (400, "unknown_class"), "{refused}");

    // An expert is refused everything; staff and leaders read and record nothing.
    let expert = app.sign_in_as(Role::Expert).await;
    for endpoint in &endpoints {
        assert_eq!(ask(&app, &expert, endpoint).await, (403, "forbidden".to_owned()), "{} {}", endpoint.0, endpoint.1);
    }
    for bureau in [&cast.staff, &cast.leader] {
        for endpoint in &endpoints {
            let (status, code) = ask(&app, bureau, endpoint).await;
            let (method, path, _) = endpoint;
            if *method == "GET" {
                assert_eq!(status, 200, "{method} {path}: {code}");
            } else if path.ends_with("/reveal") {
                // Staff and leaders may see the number, after re-authentication.
                assert_ne!(code, "forbidden", "{method} {path}");
            } else {
                assert_eq!((status, code.as_str()), (403, "forbidden"), "{method} {path}");
            }
        }
    }
    let (_, overview) = app.get_json_as(&cast.staff, &format!("/api/v1/bases/{ours}/training")).await;
    assert_eq!(overview["may_record"], false, "{overview}");

    // A revoked base keeps its records readable and takes no new ones.
    let sql = "UPDATE bases SET status = 'revoked' WHERE id = $1";
    match &app.app().db {
        skillbase_store::Db::Sqlite(pool) => sqlx::query(sql).bind(ours).execute(pool).await.map(|_| ()),
        skillbase_store::Db::Postgres(pool) => sqlx::query(sql).bind(ours).execute(pool).await.map(|_| ()),
    }
    .expect("revoked");
    let (_, overview) = app.get_json_as(&us, &format!("/api/v1/bases/{ours}/training")).await;
    assert_eq!((&overview["may_record"], &overview["base_status"]), (&json!(false), &json!("revoked")), "{overview}");
    for endpoint in &endpoints {
        let (status, code) = ask(&app, &us, endpoint).await;
        let (method, path, _) = endpoint;
        if *method == "GET" {
            assert_eq!(status, 200, "{method} {path}: {code}");
        } else if !path.ends_with("/reveal") {
            assert_eq!((status, code.as_str()), (409, "invalid_state"), "{method} {path}");
        }
    }
}

async fn the_full_number_needs_a_fresh_password(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let (base, org) = &cast.bases[0];
    let us = app.sign_in_again(org).await;
    let records = record_some(&app, &us, base).await;
    let reveal = format!("/api/v1/bases/{base}/trainees/{}/reveal", records.trainees[0]);

    // Six minutes after signing in, the password is asked for again.
    app.clock.advance(chrono::TimeDelta::minutes(6));
    let (status, refused) = app.post_json_as(&us, &reveal, &json!({})).await;
    assert_eq!((status, refused["code"].as_str()), (401, Some("reauth_required")), "{refused}");
    let (status, _) = app.post_json_as(&us, "/api/v1/me/reauth", &json!({"password": ROLE_PASSWORD})).await;
    assert_eq!(status, 204);
    let (status, revealed) = app.post_json_as(&us, &reveal, &json!({})).await;
    assert_eq!((status, revealed["resident_id"].as_str()), (200, Some(resident_id(1).as_str())), "{revealed}");

    // The reveal is audited, with the masked number only.
    let auditor = app.sign_in_as(Role::Auditor).await;
    let (status, _, text) = get_raw(&app, &auditor, "/api/v1/audit?action=training.trainee_reveal").await;
    assert_eq!(status, 200, "{text}");
    let audit: Value = serde_json::from_str(&text).expect("json");
    let items = audit["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{audit}");
    assert_eq!(items[0]["detail"]["trainee"], json!(records.trainees[0]), "{audit}");
    assert!(!text.contains(&resident_id(1)), "the audit trail never carries the number: {text}");
    let (_, _, everything) = get_raw(&app, &auditor, "/api/v1/audit?limit=500").await;
    assert!(!everything.contains(&resident_id(1)) && !everything.contains(&resident_id(2)), "{everything}");
}

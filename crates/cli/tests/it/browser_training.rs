//! A trainee roster imported in headless Chromium driven over the DevTools protocol
//! (chromiumoxide), on SQLite: the base's account opens the import page, the template behind
//! its link (fetched with the browser's own cookie) opens as a workbook with the roster's
//! headers; the roster filled in from those headers with three bad rows of five is chosen in
//! the file input and refused, each bad row's reason in the problems table, no full ID number
//! on the page, nothing imported; the fixed file is imported whole, the list showing every
//! trainee with the number masked. The base is recognised through the API first.

use std::collections::HashMap;

use calamine::Reader;

use crate::browser::Chromium;
use crate::helpers::{TempDir, TestApp};
use crate::in_chromium;
use crate::subsidy::recognised_bases;
use crate::tab::{WAIT, give_session, private_tab};

/// A resident ID number: the 17 digits and their GB 11643 check character (MOD 11-2).
fn resident_id(digits: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = digits.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).expect("a digit") * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{digits}{check}")
}

/// The same number with a wrong check character.
fn with_wrong_check(number: &str) -> String {
    let (digits, check) = number.split_at(17);
    let wrong = if check == "0" { '1' } else { '0' };
    format!("{digits}{wrong}")
}

/// The roster's rows, each a map from a header to the cell under it.
type Rows<'a> = Vec<HashMap<&'static str, &'a str>>;

/// The downloaded template's 名册 sheet filled in: its own headers in their order, then `rows`
/// (a header the rows do not fill stays empty).
fn filled(headers: &[String], rows: &Rows<'_>) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("名册").expect("name");
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string(0, u16::try_from(column).expect("column"), header).expect("header");
    }
    for (line, row) in rows.iter().enumerate() {
        for (column, header) in headers.iter().enumerate() {
            if let Some(value) = row.get(header.as_str()).filter(|v| !v.is_empty()) {
                let (line, column) = (u32::try_from(line + 1).expect("row"), u16::try_from(column).expect("column"));
                sheet.write_string(line, column, *value).expect("cell");
            }
        }
    }
    workbook.save_to_buffer().expect("xlsx")
}

fn person<'a>(name: &'a str, number: &'a str) -> HashMap<&'static str, &'a str> {
    HashMap::from([("姓名", name), ("居民身份证号码", number), ("与基地的关系", "本单位"), ("人员类别", "本单位职工")])
}

/// A worker of an upstream firm; `uscc` may be empty (which the roster refuses).
fn supplier<'a>(name: &'a str, number: &'a str, uscc: &'a str) -> HashMap<&'static str, &'a str> {
    HashMap::from([
        ("姓名", name),
        ("居民身份证号码", number),
        ("工作单位或学校", "上海某物流有限公司"),
        ("统一社会信用代码", uscc),
        ("与基地的关系", "上游企业"),
        ("人员类别", "产业链上下游企业职工"),
    ])
}

// Once, on SQLite: the same pages on both engines are `training_pages.rs`
// (`a_roster_is_imported_whole_or_not_at_all`).
in_chromium!(a_roster_is_imported_in_the_browser);

async fn a_roster_is_imported_in_the_browser(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let (base, org_username) = cast.bases[0].clone();
    let org = app.sign_in_again(&org_username).await;
    let numbers: Vec<String> =
        ["31011819900101123", "31011820000229002", "31011819851231108", "31011819920315201", "31011819880808332"]
            .iter()
            .map(|digits| resident_id(digits))
            .collect();
    let files = TempDir::new();

    let Some(mut chromium) = Chromium::launch(&["window-size=1280,1024"], WAIT).await else {
        return;
    };
    let mine = private_tab(&mut chromium, "base", &app.base).await;
    give_session(&mine, &org).await;
    let root = format!("/training/{base}");
    mine.open(&format!("{root}/import/trainees")).await;
    mine.check("!!document.querySelector('#upload-roster input[type=file]#f-file')", "the file input is offered").await;

    // 1. The template behind the page's link, fetched with the browser's own session.
    let link = "a[href$=\"/import/trainees/template.xlsx\"]";
    mine.check(&format!("!!document.querySelector({})", crate::tab::js(link)), "a link to the template").await;
    let href =
        mine.eval::<String>(&format!("document.querySelector({}).getAttribute('href')", crate::tab::js(link))).await;
    let href = href.unwrap_or_default();
    assert_eq!(href, format!("{root}/import/trainees/template.xlsx"));
    let cookie = mine.cookie_header().await;
    let response = app.client.get(app.url(&href)).header("cookie", &cookie).send().await.expect("send");
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.expect("bytes").to_vec();
    let mut template: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let sheet = template.worksheet_range("名册").expect("the 名册 sheet");
    let headers: Vec<String> = sheet.rows().next().expect("a header row").iter().map(ToString::to_string).collect();
    for header in ["姓名", "居民身份证号码", "与基地的关系", "人员类别", "统一社会信用代码"]
    {
        assert!(headers.iter().any(|h| h == header), "{header} in {headers:?}");
    }

    // 2. Five rows, three of them bad (Excel rows 3, 4 and 5): refused whole, row by row.
    let wrong_check = with_wrong_check(&numbers[1]);
    let bad = filled(
        &headers,
        &vec![
            person("张三", &numbers[0]),
            person("李四", &wrong_check),
            person("", &numbers[2]),
            supplier("赵六", &numbers[3], ""),
            person("孙七", &numbers[4]),
        ],
    );
    let roster = files.path().join("学员名册.xlsx");
    std::fs::write(&roster, bad).expect("the roster file");
    mine.choose_file("#f-file", &roster).await;
    mine.press("#upload-roster button[type=submit]").await;
    mine.sees("名册有 3 处问题，未导入任何一行").await;
    for (line, reason) in [(3, "校验"), (4, "请填写姓名"), (5, "上下游企业须填写统一社会信用代码")]
    {
        mine.text_has(&format!("#problems tr[id^=\"problems-{line}-\"]"), reason).await;
    }
    mine.check("document.querySelectorAll('#problems tbody tr').length === 3", "three problems, one a row").await;
    for number in numbers.iter().chain([&wrong_check]) {
        mine.sees_not(number).await;
    }
    mine.check("!!document.querySelector('a[href$=\"/report.xlsx\"]')", "the report workbook is offered").await;
    mine.open(&format!("{root}/trainees")).await;
    mine.text_has("#total", "共 0 条").await;

    // 3. Fixed, uploaded again: every row imported, the numbers masked on the list.
    let good = filled(
        &headers,
        &vec![
            person("张三", &numbers[0]),
            person("李四", &numbers[1]),
            person("王五", &numbers[2]),
            supplier("赵六", &numbers[3], "91310118MA1G00011T"),
            person("孙七", &numbers[4]),
        ],
    );
    std::fs::write(&roster, good).expect("the fixed roster file");
    mine.open(&format!("{root}/import/trainees")).await;
    mine.choose_file("#f-file", &roster).await;
    mine.press("#upload-roster button[type=submit]").await;
    let here = mine.path().await;
    if !here.starts_with(&format!("{root}/trainees?done=imported")) {
        mine.fail("the import lands on the trainee list").await;
    }
    mine.text_has("#total", "共 5 条").await;
    for (name, number) in ["张三", "李四", "王五", "赵六", "孙七"].iter().zip(&numbers) {
        mine.sees(name).await;
        mine.sees(&format!("{}**********{}", &number[..4], &number[14..])).await;
        mine.sees_not(number).await;
    }
    chromium.close().await;
}

//! Simplified Chinese first, English on request. The language is chosen by the `lang` cookie,
//! set by `/lang/{code}`; every page carries its texts as one `&'static Texts`.

use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use std::convert::Infallible;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "zh" | "zh-CN" | "zh-Hans" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn html_tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let from_cookie = parts
            .headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().strip_prefix("lang="))
            .find_map(Lang::parse);
        Ok(from_cookie.unwrap_or_default())
    }
}

/// Every piece of interface text, once per language.
#[derive(Debug)]
pub struct Texts {
    pub site_name: &'static str,
    pub bureau: &'static str,
    pub skip_link: &'static str,
    pub switch_lang: &'static str,
    pub nav_label: &'static str,
    pub nav_home: &'static str,
    pub nav_notices: &'static str,
    pub nav_bases: &'static str,
    pub nav_verify: &'static str,
    pub nav_apply: &'static str,
    pub nav_login: &'static str,
    pub home_title: &'static str,
    pub home_intro: &'static str,
    pub card_notices: &'static str,
    pub card_bases: &'static str,
    pub card_verify: &'static str,
    pub card_apply: &'static str,
    pub today_title: &'static str,
    pub day_workday: &'static str,
    pub day_weekend: &'static str,
    pub day_holiday: &'static str,
    pub day_adjusted: &'static str,
    pub day_unknown: &'static str,
    pub calc_title: &'static str,
    pub calc_hint: &'static str,
    pub calc_start: &'static str,
    pub calc_days: &'static str,
    pub calc_submit: &'static str,
    pub err_date: &'static str,
    pub err_days: &'static str,
    pub err_year_unknown: &'static str,
    pub footer_basis: &'static str,
    pub request_id: &'static str,
    pub back_home: &'static str,
    pub not_found_title: &'static str,
    pub not_found: &'static str,
    pub bad_request_title: &'static str,
    pub bad_request: &'static str,
    pub method_not_allowed: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable: &'static str,
    pub internal_title: &'static str,
    pub internal: &'static str,
}

pub static ZH: Texts = Texts {
    site_name: "青浦区技能人才培育实训基地管理平台",
    bureau: "青浦区人力资源和社会保障局",
    skip_link: "跳到主要内容",
    switch_lang: "English",
    nav_label: "主导航",
    nav_home: "首页",
    nav_notices: "公示公告",
    nav_bases: "基地名录",
    nav_verify: "证书查验",
    nav_apply: "申报入口",
    nav_login: "登录",
    home_title: "技能人才培育实训基地",
    home_intro: "依据《关于建设青浦区技能人才培育实训基地的实施意见》（青人社〔2023〕17号），区内重点企业、职业院校和社会组织可申报建立技能实训基地。本平台办理申报受理、专家评审、公示、认定授牌、资助资金和年度复核。",
    card_notices: "评审结果公示期内，任何单位和个人可实名提出异议。",
    card_bases: "已认定的技能人才培育实训基地及其状态。",
    card_verify: "输入牌匾编号或证书编号，查验真伪与有效状态。",
    card_apply: "申报单位注册、填报申报材料、查看受理进度。",
    today_title: "今天（北京时间）",
    day_workday: "工作日",
    day_weekend: "休息日（周末）",
    day_holiday: "法定节假日",
    day_adjusted: "调休上班",
    day_unknown: "该年度节假日安排尚未录入",
    calc_title: "工作日计算",
    calc_hint: "按国务院办公厅节假日安排（含调休）计算：起始日为工作日的，计为第 1 个工作日。",
    calc_start: "起始日期",
    calc_days: "工作日天数",
    calc_submit: "计算",
    err_date: "请输入有效日期（年-月-日）",
    err_days: "请输入 1 至 1000 之间的整数",
    err_year_unknown: "所涉年度的节假日安排尚未录入，无法计算",
    footer_basis: "依据：青人社〔2023〕17号《关于建设青浦区技能人才培育实训基地的实施意见》",
    request_id: "请求编号",
    back_home: "返回首页",
    not_found_title: "页面未找到",
    not_found: "您访问的页面不存在，或该栏目尚未开放。",
    bad_request_title: "请求有误",
    bad_request: "请求内容有误，请检查后重试。",
    method_not_allowed: "该地址不支持此操作。",
    unavailable_title: "服务暂时不可用",
    unavailable: "系统繁忙，请稍后再试。",
    internal_title: "出错了",
    internal: "系统处理您的请求时出错，请稍后再试。如需帮助，请向管理员提供请求编号。",
};

pub static EN: Texts = Texts {
    site_name: "Qingpu Skill-Talent Training Base Platform",
    bureau: "Qingpu District Human Resources and Social Security Bureau",
    skip_link: "Skip to main content",
    switch_lang: "中文",
    nav_label: "Main navigation",
    nav_home: "Home",
    nav_notices: "Public notices",
    nav_bases: "Registry of bases",
    nav_verify: "Verify a plaque",
    nav_apply: "Apply",
    nav_login: "Sign in",
    home_title: "Skill-talent training bases",
    home_intro: "Under the bureau's implementing opinions 青人社〔2023〕17号, key enterprises, vocational colleges and social organisations in the district may apply to become skill-talent training bases. This platform handles applications, expert review, public notice, recognition, the subsidy and the annual review.",
    card_notices: "While a result is on public notice, anyone may object in their own name.",
    card_bases: "Recognised training bases and their status.",
    card_verify: "Enter a plaque or certificate number to check it is genuine and valid.",
    card_apply: "Register your organisation, prepare your application, follow its progress.",
    today_title: "Today (Beijing time)",
    day_workday: "Working day",
    day_weekend: "Rest day (weekend)",
    day_holiday: "Public holiday",
    day_adjusted: "Weekend working day (调休)",
    day_unknown: "The holiday schedule for this year has not been entered yet",
    calc_title: "Working-day calculator",
    calc_hint: "Follows the State Council holiday schedule, including weekend working days. A start date that is a working day counts as day 1.",
    calc_start: "Start date",
    calc_days: "Working days",
    calc_submit: "Calculate",
    err_date: "Enter a valid date (year-month-day)",
    err_days: "Enter a whole number from 1 to 1000",
    err_year_unknown: "The holiday schedule for a year involved has not been entered yet",
    footer_basis: "Basis: 青人社〔2023〕17号, implementing opinions on skill-talent training bases in Qingpu District",
    request_id: "Request ID",
    back_home: "Back to the home page",
    not_found_title: "Page not found",
    not_found: "The page does not exist, or this section is not open yet.",
    bad_request_title: "Bad request",
    bad_request: "The request is not valid. Please check it and try again.",
    method_not_allowed: "This address does not support that method.",
    unavailable_title: "Service unavailable",
    unavailable: "The system is busy. Please try again shortly.",
    internal_title: "Something went wrong",
    internal: "The system could not process your request. If you need help, give the administrator the request ID.",
};

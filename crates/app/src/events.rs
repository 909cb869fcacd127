//! The catalogue of audited events (SEC-35): every `action` an audit record may carry, with its
//! kind and what it means. Writing an audit record with an action that is not listed here fails
//! (and so does the transaction it belongs to), so the catalogue is always complete: a new
//! event is added here, with its meaning, or it cannot be recorded.

use skillbase_domain::application::Action;

/// Security events and business actions are told apart for the auditor's reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Security,
    Business,
}

/// One catalogued event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Event {
    pub action: &'static str,
    pub kind: Kind,
    pub meaning: &'static str,
}

const fn security(action: &'static str, meaning: &'static str) -> Event {
    Event { action, kind: Kind::Security, meaning }
}

const fn business(action: &'static str, meaning: &'static str) -> Event {
    Event { action, kind: Kind::Business, meaning }
}

/// Every event but the application's transitions (which are derived from the state machine's
/// actions, see [`catalogue`]).
const FIXED: &[Event] = &[
    security("user.bootstrap", "首次启动创建系统管理员"),
    security("auth.login", "登录成功"),
    security("auth.password_verified", "口令正确，待动态口令"),
    security("auth.login_failed", "登录失败（用户名或口令错误）"),
    security("auth.login_refused_locked", "账户锁定期间的登录尝试"),
    security("auth.second_factor_failed", "动态口令错误"),
    security("auth.lockout", "连续失败导致账户锁定"),
    security("auth.logout", "退出登录"),
    security("auth.reauthenticate", "重新验证身份（再次输入密码）"),
    security("auth.reauthenticate_failed", "重新验证身份失败"),
    security("user.create", "创建账户"),
    security("user.disable", "停用账户"),
    security("user.enable", "启用账户"),
    security("user.role_change", "变更角色"),
    security("user.password_reset", "管理员重置口令"),
    security("user.password_change", "本人修改口令"),
    security("user.totp_enrolment", "开始绑定动态口令"),
    security("user.totp_enable", "动态口令绑定完成"),
    security("user.totp_reset", "管理员重置动态口令"),
    security("user.unlock", "安全管理员解除锁定"),
    security("user.sessions_end", "管理员结束账户全部会话"),
    security("token.create", "创建个人 API 令牌"),
    security("token.revoke", "吊销个人 API 令牌"),
    security("security.settings_change", "变更安全设置"),
    security("export", "导出数据"),
    security("retention.purge", "按保存期限清理过期会话等临时数据（不含审计日志）"),
    security("proposal.refused_own", "拒绝审批本人拟定的事项（职责分离）"),
    security("funding.refused_own", "拒绝审核本人拟定的资金申请（职责分离）"),
    business("organization.register", "申报单位注册"),
    business("organization.invite", "邀请同单位账户"),
    business("organization.join", "受邀账户加入单位"),
    business("organization.dispute_file", "提出统一社会信用代码归属争议（附营业执照）"),
    business("organization.dispute_resolve", "处理归属争议（转归申请方或驳回）"),
    business("calendar.import", "导入节假日安排"),
    business("policy.load", "加载政策版本"),
    business("batch.create", "创建申报批次"),
    business("batch.publish", "发布申报批次"),
    business("batch.close", "提前截止申报批次"),
    business("application.create", "创建申报草稿"),
    business("application.save", "保存申报表"),
    business("application.attach", "上传申报附件"),
    business("application.attachment_remove", "删除申报附件"),
    business("application.attachment_replace", "替换申报附件"),
    business("application.eligibility.decide", "确认或改判资格审查条款"),
    business("expert.save", "维护评审专家信息"),
    business("review.draw", "随机抽取评审专家"),
    business("review.shortfall", "评审专家抽取不足"),
    business("review.shortfall_filled", "补抽评审专家补足缺额"),
    business("review.declare", "专家声明是否存在利益冲突"),
    business("review.score", "专家提交评分"),
    business("review.reopen", "退回专家评分重新评分"),
    business("review.withdraw_expert", "因利益冲突撤换评审专家"),
    business("review.remind", "评审催办或到期提醒"),
    business("proposal.draft", "拟定认定名单"),
    business("proposal.approve", "领导审批通过认定名单"),
    business("proposal.send_back", "领导退回认定名单"),
    business("notice.publish", "发布公示"),
    business("notice.close", "公示期满结束公示"),
    business("notice.conclude", "公示办结并决定认定"),
    business("objection.file", "收到公示异议"),
    business("objection.investigate", "受理异议并调查核实"),
    business("objection.resolve", "异议办结（成立或不成立）"),
    business("base.recognise", "认定基地并签发牌匾"),
    business("funding.draft", "拟定资助资金申请"),
    business("funding.endorse", "领导审核同意资金申请并报协调小组"),
    business("funding.return", "领导退回资金申请"),
    business("funding.approve", "协调小组批准资金申请"),
    business("funding.reject", "协调小组不予批准资金申请"),
    business("ledger.grant", "核定基地资助"),
    business("ledger.disburse", "登记资助资金拨付"),
    business("ledger.expense", "基地登记支出"),
    business("ledger.reverse", "冲销支出"),
    business("expense.approve", "支出审核通过"),
    business("expense.query", "对支出提出问题"),
    business("expense.answer", "基地说明支出"),
    business("certification.filing_create", "基地申请职业技能等级认定备案"),
    business("certification.filing_decide", "审核或审批职业技能等级认定备案"),
    business("certification.session_create", "基地登记考评"),
    business("certification.result_put", "基地录入考生成绩"),
    business("certification.result_remove", "基地删除考生成绩"),
    business("certification.session_decide", "考评成绩提交、退回或公布"),
    business("certification.certificate_issue", "颁发职业技能等级证书"),
    business("certification.certificate_decide", "提请、批准或驳回撤销证书"),
    business("annual_review.campaign_open", "开启年度复核，为截止日在册的基地生成年度报告"),
    business("annual_review.campaign_close", "结束年度复核"),
    business("annual_review.report_save", "基地保存年度报告（更正数据、自评、计划）"),
    business("annual_review.report_step", "年度报告提交、复核结论、整改、核销的提请与审批"),
    business("annual_review.report_overdue", "年度报告逾期未提交（系统标记并提醒）"),
    business("annual_review.rectification_overdue", "整改逾期未答复（系统升级提醒，不自动核销）"),
    business("annual_review.recovery", "登记核销基地退回（追回）的结余资金"),
    business("training.project_create", "基地登记培育项目"),
    business("training.class_create", "基地登记培训班"),
    business("training.trainee_create", "基地登记学员"),
    security("training.trainee_reveal", "查看学员完整身份证号码（已重新验证身份）"),
    business("training.enrolment_create", "学员报名培训班"),
    business("training.enrolment_update", "登记出勤、结业和考核结果"),
    business("training.pair_create", "登记高师带徒"),
    business("training.competition_create", "登记技能竞赛"),
    business("training.entry_create", "登记竞赛成绩"),
    business("training.roster_import", "导入名册（全部导入或全部不导入）"),
    business("incentive.appointment_create", "基地聘任首席技师或技能大师工作室"),
    business("incentive.award_create", "基地登记表彰奖励"),
    business("incentive.other_create", "基地登记疗休养、进修或健康体检"),
];

/// The whole catalogue: the fixed events and one `application.<action>` per transition of the
/// application's state machine.
pub fn catalogue() -> Vec<Event> {
    let mut all = FIXED.to_vec();
    all.extend(Action::ALL.iter().map(|a| Event {
        action: application_action(*a),
        kind: Kind::Business,
        meaning: a.label(),
    }));
    all
}

/// The audit action of an application transition: `application.submit`, `application.accept` …
pub fn application_action(action: Action) -> &'static str {
    match action {
        Action::Submit => "application.submit",
        Action::Resubmit => "application.resubmit",
        Action::Withdraw => "application.withdraw",
        Action::Accept => "application.accept",
        Action::Return => "application.return",
        Action::RefuseAcceptance => "application.refuse_acceptance",
        Action::Lapse => "application.lapse",
        Action::ConfirmEligible => "application.confirm_eligible",
        Action::ConfirmIneligible => "application.confirm_ineligible",
        Action::StartReview => "application.start_review",
        Action::CompleteScoring => "application.complete_scoring",
        Action::ReopenScoring => "application.reopen_scoring",
        Action::Propose => "application.propose",
        Action::NotSelect => "application.not_select",
        Action::Approve => "application.approve",
        Action::SendBack => "application.send_back",
        Action::PublishNotice => "application.publish_notice",
        Action::Recognise => "application.recognise",
        Action::RejectAfterObjection => "application.reject_after_objection",
    }
}

/// Is `action` catalogued?
pub fn is_catalogued(action: &str) -> bool {
    FIXED.iter().any(|e| e.action == action) || Action::ALL.iter().any(|a| application_action(*a) == action)
}

/// The refusal to write an uncatalogued event.
#[derive(Debug, thiserror::Error)]
#[error("audit event {0:?} is not in the catalogue (crates/app/src/events.rs)")]
pub struct Uncatalogued(pub String);

pub(crate) fn check(action: &str) -> Result<(), Uncatalogued> {
    if is_catalogued(action) { Ok(()) } else { Err(Uncatalogued(action.to_owned())) }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_event_is_listed_once_with_a_meaning() {
        let all = catalogue();
        let names: HashSet<&str> = all.iter().map(|e| e.action).collect();
        assert_eq!(names.len(), all.len(), "an event is listed twice");
        assert!(all.iter().all(|e| !e.meaning.is_empty()));
        for action in Action::ALL {
            assert_eq!(application_action(action), format!("application.{}", action.as_str()));
        }
        assert!(is_catalogued("auth.login") && is_catalogued("application.accept"));
        assert!(check("auth.logn").is_err());
    }
}

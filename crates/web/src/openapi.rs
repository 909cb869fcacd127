//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "skillbase API",
        description = "青浦区技能人才培育实训基地管理平台 — JSON API. Errors are RFC 9457 problem documents (`application/problem+json`) whose `code` is stable.",
    ),
    paths(
        crate::api::calendar::add_working_days,
        crate::api::auth::login,
        crate::api::auth::login_totp,
        crate::api::auth::logout,
        crate::api::auth::begin_totp,
        crate::api::auth::confirm_totp,
        crate::api::tokens::list,
        crate::api::tokens::create,
        crate::api::tokens::revoke,
        crate::api::auth::me,
        crate::api::auth::change_password,
        crate::api::auth::reauthenticate,
        crate::api::auth::register,
        crate::api::users::organization,
        crate::api::users::organizations,
        crate::api::users::invite,
        crate::api::users::accept,
        crate::api::users::list,
        crate::api::users::create,
        crate::api::users::disable,
        crate::api::users::enable,
        crate::api::users::change_role,
        crate::api::users::reset_password,
        crate::api::users::reset_totp,
        crate::api::users::end_sessions,
        crate::api::users::unlock,
        crate::api::users::security_settings,
        crate::api::users::change_security_settings,
        crate::api::applications::policies,
        crate::api::applications::load_policy,
        crate::api::applications::batches,
        crate::api::applications::create_batch,
        crate::api::applications::publish_batch,
        crate::api::applications::close_batch,
        crate::api::applications::list,
        crate::api::applications::create,
        crate::api::applications::get,
        crate::api::applications::save,
        crate::api::applications::submit,
        crate::api::applications::withdraw,
        crate::api::applications::accept,
        crate::api::applications::return_for_supplement,
        crate::api::applications::reject,
        crate::api::applications::timeline,
        crate::api::applications::revisions,
        crate::api::applications::eligibility,
        crate::api::applications::decide,
        crate::api::applications::conclude,
        crate::api::applications::attachments,
        crate::api::applications::remove_attachment,
        crate::api::applications::replace_attachment,
        crate::api::applications::upload,
        crate::api::applications::download,
        crate::api::applications::notifications,
        crate::api::applications::read_notifications,
        crate::api::review::experts,
        crate::api::review::save_expert,
        crate::api::review::start_review,
        crate::api::review::review,
        crate::api::review::draw_more,
        crate::api::review::assignments,
        crate::api::review::assignment,
        crate::api::review::assigned_application,
        crate::api::review::assigned_attachment,
        crate::api::review::declare,
        crate::api::review::scores,
        crate::api::review::submit_score,
        crate::api::review::reopen,
        crate::api::review::withdraw,
        crate::api::review::remind,
        crate::api::review::ranking,
        crate::api::review::proposals,
        crate::api::review::draft_proposal,
        crate::api::review::proposal,
        crate::api::review::approve,
        crate::api::review::send_back,
        crate::api::review::my_notifications,
        crate::api::notices::public_notices,
        crate::api::notices::public_notice,
        crate::api::notices::file_objection,
        crate::api::notices::lookup_objection,
        crate::api::notices::registry,
        crate::api::notices::verify,
        crate::api::notices::notices,
        crate::api::notices::publish,
        crate::api::notices::notice,
        crate::api::notices::close,
        crate::api::notices::conclude,
        crate::api::notices::objections,
        crate::api::notices::investigate,
        crate::api::notices::resolve,
        crate::api::notices::bases,
        crate::api::notices::base,
        crate::api::notices::plaque,
        crate::api::subsidy::requests,
        crate::api::subsidy::draft,
        crate::api::subsidy::candidates,
        crate::api::subsidy::request,
        crate::api::subsidy::approve,
        crate::api::subsidy::reject,
        crate::api::subsidy::ledger,
        crate::api::subsidy::disburse,
        crate::api::subsidy::record_expense,
        crate::api::subsidy::receipt,
        crate::api::subsidy::approve_expense,
        crate::api::subsidy::query_expense,
        crate::api::subsidy::answer_expense,
        crate::api::subsidy::reverse_expense,
        crate::api::subsidy::report,
        crate::api::training::overview,
        crate::api::training::projects,
        crate::api::training::create_project,
        crate::api::training::classes,
        crate::api::training::create_class,
        crate::api::training::class,
        crate::api::training::trainees,
        crate::api::training::create_trainee,
        crate::api::training::trainee,
        crate::api::training::reveal,
        crate::api::training::enrolments,
        crate::api::training::enrol,
        crate::api::training::update_enrolment,
        crate::api::training::apprenticeships,
        crate::api::training::create_apprenticeship,
        crate::api::training::agreement,
        crate::api::training::competitions,
        crate::api::training::create_competition,
        crate::api::training::competition,
        crate::api::training::add_entry,
        crate::api::training::import_trainees,
        crate::api::training::trainees_template,
        crate::api::training::import_classes,
        crate::api::training::classes_template,
        crate::api::training::import_enrolments,
        crate::api::training::enrolments_template,
        crate::api::training::import_status,
        crate::api::training::search_trainees,
        crate::api::certification::create_filing,
        crate::api::certification::filings,
        crate::api::certification::filing,
        crate::api::certification::decide_filing,
        crate::api::certification::create_session,
        crate::api::certification::sessions,
        crate::api::certification::session,
        crate::api::certification::decide_session,
        crate::api::certification::results,
        crate::api::certification::put_result,
        crate::api::certification::remove_result,
        crate::api::certification::certificates,
        crate::api::certification::certificate,
        crate::api::certification::decide_certificate,
        crate::api::program::program,
        crate::api::program::public_program,
        crate::api::annual_review::campaigns,
        crate::api::annual_review::open_campaign,
        crate::api::annual_review::campaign,
        crate::api::annual_review::close_campaign,
        crate::api::annual_review::campaign_reports,
        crate::api::annual_review::reports,
        crate::api::annual_review::report,
        crate::api::annual_review::save_report,
        crate::api::annual_review::decide_report,
        crate::api::annual_review::recovery,
        crate::api::annual_review::record_recovery,
        crate::api::audit::list,
        crate::api::audit::verify,
        crate::api::audit::export,
        crate::api::audit::public_key,
        crate::api::disputes::file_dispute,
        crate::api::disputes::list_disputes,
        crate::api::disputes::dispute,
        crate::api::disputes::dispute_licence,
        crate::api::disputes::resolve_dispute,
        crate::api::incentives::incentives,
        crate::api::incentives::create_incentive,
        crate::api::incentives::summary,
        crate::api::incentives::incentive,
        crate::api::incentives::document,
        crate::health::healthz,
        crate::health::readyz,
    ),
    components(schemas(crate::error::Problem, crate::error::FieldProblem)),
    tags(
        (name = "calendar", description = "The State Council working-day calendar"),
        (name = "auth", description = "Signing in and out; the signed-in account"),
        (name = "organizations", description = "Applicant organisations"),
        (name = "accounts", description = "Accounts (system administrator) and unlocking (security administrator)"),
        (name = "applications", description = "Policy versions, calls for applications, applications, attachments and notifications"),
        (name = "review", description = "Expert review: the expert pool, assignments with declarations and scores, rankings and recognition lists"),
        (name = "notices", description = "Public notices with objections, recognised bases, plaques and their verification"),
        (name = "subsidy", description = "Funding requests, grants, disbursements, the expense ledger and fund reports"),
        (name = "training", description = "A recognised base's training records: projects, classes, trainees (ID numbers masked; revealed after re-authentication), enrolments, master–apprentice pairs and competitions"),
        (name = "reports", description = "The programme dashboard (C1): bases against the target, the pipeline of every call, the subsidy by category, training outcomes"),
        (name = "annual-review", description = "The annual review (C4.4): campaigns, base reports pre-filled from the records, rectification, revocation with four eyes, recovery of the balance"),
        (name = "certification", description = "Skill-level certification (C3.3): a base's filings, sessions and results; certificates signed with SM2, their revocation"),
        (name = "incentives", description = "A recognised base's incentive records: chief technicians and skill-master studios with their allowances and funds, awards and other incentives, and the figures of a year"),
        (name = "audit", description = "The tamper-evident audit trail (auditor)"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

/// The document as served: every operation id is its tag and its handler (`applications_list`,
/// `accounts_list`), since handlers of different areas share names and a generated client needs
/// each id once.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            let tag = operation.tags.as_ref().and_then(|tags| tags.first()).cloned();
            if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
                *id = format!("{tag}_{id}");
            }
        }
    }
    doc
}

/// `GET /api/openapi.json`
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(spec())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_id_is_unique() {
        let doc = super::spec();
        let mut seen = std::collections::HashSet::new();
        for item in doc.paths.paths.values() {
            for operation in [&item.get, &item.put, &item.post, &item.delete, &item.patch].into_iter().flatten() {
                let id = operation.operation_id.clone().expect("every operation has an id");
                assert!(seen.insert(id.clone()), "{id} twice");
            }
        }
        assert!(seen.contains("applications_list") && seen.contains("accounts_list"), "{seen:?}");
    }

    /// The document names a schema by its type's name alone, so two types of one name in two
    /// modules would silently stand for each other (a dashboard's `TrainingOut` once replaced the
    /// training overview's). Every type the API describes has a name of its own.
    #[test]
    fn every_schema_name_is_one_type() {
        const SOURCES: &[(&str, &str)] = &[
            ("annual_review", include_str!("api/annual_review.rs")),
            ("applications", include_str!("api/applications.rs")),
            ("audit", include_str!("api/audit.rs")),
            ("auth", include_str!("api/auth.rs")),
            ("calendar", include_str!("api/calendar.rs")),
            ("certification", include_str!("api/certification.rs")),
            ("disputes", include_str!("api/disputes.rs")),
            ("incentives", include_str!("api/incentives.rs")),
            ("notices", include_str!("api/notices.rs")),
            ("paging", include_str!("api/paging.rs")),
            ("program", include_str!("api/program.rs")),
            ("review", include_str!("api/review.rs")),
            ("subsidy", include_str!("api/subsidy.rs")),
            ("tokens", include_str!("api/tokens.rs")),
            ("training", include_str!("api/training.rs")),
            ("users", include_str!("api/users.rs")),
            ("error", include_str!("error.rs")),
            ("health", include_str!("health.rs")),
        ];
        let mut names: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
        let mut twice = Vec::new();
        for (module, source) in SOURCES {
            let mut described = false;
            for line in source.lines().map(str::trim) {
                if line.starts_with("#[derive(") && line.contains("ToSchema") {
                    described = true;
                    continue;
                }
                let declared = ["pub struct ", "pub enum ", "pub(crate) struct ", "pub(super) struct "]
                    .iter()
                    .find_map(|p| line.strip_prefix(p));
                let paged = ["page_of!(", "page_struct!("].iter().find_map(|p| line.strip_prefix(p));
                let name = match (declared, paged) {
                    (Some(rest), _) if described => Some(rest),
                    (_, Some(rest)) => Some(rest),
                    _ => None,
                };
                if let Some(rest) = name {
                    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    // A macro's own `pub struct $name` declares nothing by itself.
                    if name.is_empty() {
                        continue;
                    }
                    if let Some(other) = names.insert(name.clone(), module) {
                        twice.push(format!("{name} in api/{other} and in api/{module}"));
                    }
                }
                if !line.starts_with("#[") && !line.starts_with("///") {
                    described = false;
                }
            }
        }
        assert!(twice.is_empty(), "schemas declared twice: {twice:?}");
        let doc = super::spec();
        let schemas = doc.components.as_ref().map(|c| c.schemas.len()).unwrap_or(0);
        assert!(names.len() >= schemas.min(50) && names.contains_key("ReportDetailOut"), "{} names read", names.len());
    }
}

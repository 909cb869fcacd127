//! The signed-in pages' navigation: the left-hand list of a role's work, declared once here
//! ([`SECTIONS`]: where, the action it needs, its name) and filtered by the policy, and the
//! breadcrumbs drawn from the same list. The base template draws both (`base.html`); a screen
//! with a trail of its own (an application's steps, a base's records) says so with
//! `{% block crumbs %}{% endblock %}` and draws it.

use skillbase_domain::access::{Action, Decision, Scope, decide};
use skillbase_domain::roles::Role;

use crate::i18n::Texts;

/// One entry of the navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

/// A section: where, which action it needs, and its name in the page's language.
type Section = (&'static str, Action, fn(&Texts) -> &'static str);

/// The sections of the signed-in pages, in the navigation's order.
const SECTIONS: &[Section] = &[
    ("/admin/users", Action::ManageAccounts, |t| t.nav_users),
    ("/admin/organizations", Action::ListOrganizations, |t| t.nav_organizations),
    ("/admin/security", Action::ManageSecuritySettings, |t| t.nav_security),
    ("/audit", Action::ReadAudit, |t| t.nav_audit),
    ("/applications", Action::DraftApplication, |t| t.nav_applications),
    ("/bureau/applications", Action::ReadApplication, |t| t.nav_review),
    ("/bureau/batches", Action::ManageBatches, |t| t.nav_batches),
    ("/admin/policies", Action::ManagePolicies, |t| t.nav_policies),
    ("/bureau/experts", Action::ManageExperts, |t| t.nav_experts),
    ("/bureau/review", Action::ReadReview, |t| t.nav_review_console),
    ("/bureau/proposals", Action::ApproveProposal, |t| t.nav_proposals),
    ("/bureau/notices", Action::ReadNotices, |t| t.nav_bureau_notices),
    ("/expert", Action::ScoreAssignment, |t| t.nav_my_reviews),
    ("/funds/requests", Action::ReadFunds, |t| t.nav_funds),
    ("/funds/bases", Action::RecordExpense, |t| t.nav_my_bases),
    ("/training", Action::ReadTraining, |t| t.nav_training),
    ("/bureau/certification", Action::DecideCertification, |t| t.nav_certification),
    ("/annual-reviews", Action::ReadAnnualReview, |t| t.nav_annual_review),
    ("/reports/program", Action::ReadProgram, |t| t.nav_program),
    ("/bureau/disputes", Action::ResolveDisputes, |t| t.nav_disputes),
];

/// The consoles a role may use, as the policy decides (never a list of roles here). A console
/// for the whole bureau (`Scope::All`) is not offered to a role that reaches only its own
/// records through the same action (the applicant reads its applications elsewhere).
pub(crate) fn consoles(role: Role, t: &'static Texts) -> Vec<NavLink> {
    SECTIONS
        .iter()
        .filter(|(href, action, _)| match decide(Some(role), *action) {
            Decision::Allow(scope) => !href.starts_with("/bureau/") || scope == Some(Scope::All),
            _ => false,
        })
        .map(|(href, _, label)| NavLink { href, label: label(t) })
        .collect()
}

/// The workbench, then the consoles: the left-hand navigation of a signed-in page.
pub(crate) fn side_nav(role: Role, t: &'static Texts) -> Vec<NavLink> {
    let mut links = vec![NavLink { href: "/workbench", label: t.nav_workbench }];
    links.extend(consoles(role, t));
    links
}

/// Is `href` the section `path` (its path without the query) is in? The section's own page or
/// one below it.
pub(crate) fn is_within(path: &str, href: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    path == href || path.strip_prefix(href).is_some_and(|rest| rest.starts_with('/'))
}

/// The trail to `path`: the workbench, and the section it is in (the one with the longest
/// matching address), each with whether it is the page itself.
pub(crate) fn crumbs(role: Role, t: &'static Texts, path: &str) -> Vec<(NavLink, bool)> {
    let bare = path.split('?').next().unwrap_or(path);
    let workbench = NavLink { href: "/workbench", label: t.nav_workbench };
    let mut trail = vec![(workbench, bare == "/workbench")];
    if let Some(section) =
        consoles(role, t).into_iter().filter(|link| is_within(path, link.href)).max_by_key(|link| link.href.len())
    {
        let here = bare == section.href;
        trail.push((section, here));
    }
    trail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_trail_names_the_section_a_page_is_in() {
        let t = Lang::Zh.texts();
        let hrefs = |path: &str| -> Vec<(&str, bool)> {
            crumbs(Role::Staff, t, path).into_iter().map(|(l, here)| (l.href, here)).collect()
        };
        assert_eq!(hrefs("/workbench"), [("/workbench", true)]);
        assert_eq!(
            hrefs("/bureau/applications?status=submitted"),
            [("/workbench", false), ("/bureau/applications", true)]
        );
        assert_eq!(hrefs("/bureau/applications/x/review"), [("/workbench", false), ("/bureau/applications", false)]);
        assert_eq!(hrefs("/bureau/reviewers"), [("/workbench", false)], "a prefix of a word is no section");
        assert_eq!(side_nav(Role::Auditor, t).iter().map(|l| l.href).collect::<Vec<_>>(), ["/workbench", "/audit"]);
    }
}

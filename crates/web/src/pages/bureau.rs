//! The bureau's side of applications: calls for applications, the applications received,
//! acceptance (受理), return for supplement (补正), refusal, the eligibility check, and policy
//! versions for the system administrator.

use crate::routes::Route;

pub(super) fn routes() -> Vec<Route> {
    vec![]
}

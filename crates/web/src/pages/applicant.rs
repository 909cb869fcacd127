//! The organisation's side of applications: open calls, its applications, the multi-step
//! form, uploads, submission, notifications, and the printable application form.

use crate::routes::Route;

pub(super) fn routes() -> Vec<Route> {
    vec![]
}

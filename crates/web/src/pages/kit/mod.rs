//! The page kit: what every page is built from, so that a new screen is written in terms of
//! its own content only.
//!
//! - [`input`]: the one input widget (`kit/input.html`) and forms as groups of inputs
//!   (`kit/form.html`);
//! - [`post`]: form posts checked for origin and CSRF, ordinary or multipart (with files), and
//!   the signed-in user of a page;
//! - [`refusal`]: a use case's refusal as a page shows it (errors by field, the status and code
//!   from the one mapping in `error.rs`), and the error pages;
//! - [`nav`]: the signed-in pages' left-hand navigation by role and their breadcrumbs;
//! - [`pager`]: a list's total and its first-page and next-page links (`kit/pager.html`);
//! - [`qr`]: QR codes as SVG runs, and the public verification address they carry;
//! - [`pdf`]: the one PDF writer of the documents (the plaque, the skill certificate);
//! - downloads come from `crate::download`, which the API shares.

pub(crate) mod chart;
pub(crate) mod input;
pub(crate) mod nav;
pub(crate) mod pager;
pub(crate) mod pdf;
pub(crate) mod post;
pub(crate) mod qr;
pub(crate) mod refusal;

pub(crate) use crate::download::{XLSX, download, stored_file};
pub(crate) use chart::BarChart;
pub(crate) use input::{Choice, Control, Form, Group, Input, Reason, bounds, choices, field_id};
pub(crate) use pager::{Pager, page_request};
pub(crate) use post::{FormPost, MultipartPost, PathId, SignedInMultipart, SignedInPost, Who, safe_next, signed_in};
pub(crate) use qr::{QrRun, qr_runs, verify_url};
pub(crate) use refusal::{Errors, error_page, not_found, or_error_page, refusal, refusal_with_code};

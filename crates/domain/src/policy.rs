//! The programme's policy, 青人社〔2023〕17号, as versioned data.
//!
//! Everything the policy fixes and a later document may change — the subsidy, the notice length,
//! the lists an applicant chooses from, the experts' rubric, the programme target, the clause
//! texts decisions cite — lives in a TOML file (`policies/qingpu-2023-17.toml`), not in code
//! (PRODUCT.md §1). The file is embedded in the binary ([`PolicyDocument::builtin`]); the store
//! keeps each version's text verbatim ([`PolicyDocument::source`]) with its SM3
//! [`fingerprint`](PolicyDocument::fingerprint), so a decision can always be re-read against the
//! exact file it was made under.
//!
//! An application is judged under the version in force on its submission date
//! ([`PolicySet::in_force`]); a new version never changes a past decision.
//!
//! A file is parsed whole and checked before anything may use it: a policy that does not add up
//! (a rubric of 95 points, a missing clause, a subsidy of "20万") is refused with the line it is
//! on, because the people who edit these files read line numbers, not serde paths.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::audit::sm3_hex;
use crate::certification::{CertificationRule, Score};
use crate::money::Money;

/// The embedded policy file.
const BUILTIN_SOURCE: &str = include_str!("../policies/qingpu-2023-17.toml");

static BUILTIN: LazyLock<PolicyDocument> = LazyLock::new(|| {
    PolicyDocument::parse(BUILTIN_SOURCE).unwrap_or_else(|e| panic!("the embedded policy file is invalid: {e}"))
});

/// The points a rubric must add up to: experts score out of 100.
pub const RUBRIC_TOTAL: u32 = 100;

/// The clause ids of PRODUCT.md §1. Decision traces and rules cite them, so every version of the
/// policy must define each of them (a later document may reword a clause, not drop its id).
pub const REQUIRED_CLAUSES: [&str; 19] = [
    "C1", "C2.1.0", "C2.1.1", "C2.1.2", "C2.1.3", "C2.1.4", "C2.1.P", "C2.2", "C2.3", "C3.1", "C3.2", "C3.3", "C4.1",
    "C4.2", "C4.3", "C4.4", "C5", "C6", "C7",
];

/// Working-day periods (notice, supplement deadline) a file may set: at least a day, at most
/// six weeks of working days.
const WORKING_DAYS: Range<u32> = 1..31;

/// Attachment limits a file may set, in MB.
const ATTACHMENT_MB: Range<u32> = 1..1025;

/// An entry of one of the policy's lists: a stable ASCII `id` (stored, cited in decision traces)
/// and the Chinese `name` people read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    id: String,
    name: String,
}

impl Term {
    /// The stable key, e.g. `green_finance`.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The name as the policy says it, e.g. `绿色金融`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// One of the conditions of 二(二) a training project may meet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectCriterion {
    id: String,
    name: String,
    text: String,
}

impl ProjectCriterion {
    /// The stable key, e.g. `traditional_skill`.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A short label for forms and lists, e.g. `传统技能保护`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The condition in the policy's words, e.g. `具有传统技能保护的项目`.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// One item of the experts' scoring rubric, citing the clause it scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RubricItem {
    id: String,
    name: String,
    points: u32,
    clause: String,
}

impl RubricItem {
    /// The stable key, e.g. `site`.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The item's name, e.g. `实训场地设备`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The most an expert may give for this item (all items together: [`RUBRIC_TOTAL`]).
    #[must_use]
    pub fn points(&self) -> u32 {
        self.points
    }

    /// The id of the clause this item scores, e.g. `C2.1.2` (always a clause of the document).
    #[must_use]
    pub fn clause(&self) -> &str {
        &self.clause
    }
}

/// A clause of the policy, as decisions cite it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clause {
    id: String,
    section: String,
    citation: String,
    title: String,
    text: String,
}

impl Clause {
    /// The id used in code, data and decision traces (PRODUCT.md §1), e.g. `C2.1.2`.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its place in the document in short form, e.g. `二(一)2`.
    #[must_use]
    pub fn section(&self) -> &str {
        &self.section
    }

    /// How a formal decision cites it, e.g. `第二条第（一）款第2项`.
    #[must_use]
    pub fn citation(&self) -> &str {
        &self.citation
    }

    /// A short title, e.g. `实训场地设备`.
    #[must_use]
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The clause's words as published (enumerated items one per line).
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// What is wrong with a policy file; [`PolicyError::code`] gives the stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// Not TOML at all (an unclosed string, a stray `=`, …).
    Syntax,
    /// A key the format does not know (misspelt keys must not be silently ignored).
    UnknownKey,
    /// A key the format requires is absent.
    MissingKey,
    /// A value of the wrong type (text where a number belongs, a negative count, …).
    WrongType,
    /// A date that is not `YYYY-MM-DD` or does not exist.
    BadDate,
    /// An amount [`Money::parse`] refuses, or not above zero.
    BadMoney,
    /// A number outside the range the policy allows, or a minimum above its maximum.
    OutOfRange,
    /// An empty text or list where one is needed.
    Empty,
    /// An id or code not of the allowed characters.
    BadId,
    /// The same id twice in one list.
    DuplicateId,
    /// The rubric's points do not add up to [`RUBRIC_TOTAL`].
    RubricTotal,
    /// A clause of [`REQUIRED_CLAUSES`] is not defined.
    MissingClause,
    /// A reference to a clause the document does not define.
    UnknownClause,
}

impl PolicyErrorKind {
    /// A stable machine-readable code (for APIs, logs and the import screen).
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Syntax => "policy_syntax",
            Self::UnknownKey => "policy_unknown_key",
            Self::MissingKey => "policy_missing_key",
            Self::WrongType => "policy_wrong_type",
            Self::BadDate => "policy_bad_date",
            Self::BadMoney => "policy_bad_money",
            Self::OutOfRange => "policy_out_of_range",
            Self::Empty => "policy_empty",
            Self::BadId => "policy_bad_id",
            Self::DuplicateId => "policy_duplicate_id",
            Self::RubricTotal => "policy_rubric_total",
            Self::MissingClause => "policy_missing_clause",
            Self::UnknownClause => "policy_unknown_clause",
        }
    }
}

/// Why a policy file was refused, and where: the 1-based line and column (in characters) of
/// the offending key or value, when there is one to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    kind: PolicyErrorKind,
    line: Option<usize>,
    column: Option<usize>,
    reason: String,
}

impl PolicyError {
    /// An error at `span` (byte offsets into `source`), or with no position if there is none.
    fn at(source: &str, span: Option<Range<usize>>, kind: PolicyErrorKind, reason: impl Into<String>) -> Self {
        let (line, column) = match span {
            Some(span) => {
                let (line, column) = line_column(source, span.start);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        Self { kind, line, column, reason: reason.into() }
    }

    /// What kind of problem this is.
    #[must_use]
    pub fn kind(&self) -> PolicyErrorKind {
        self.kind
    }

    /// A stable machine-readable code, e.g. `policy_rubric_total`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The 1-based line of the problem, if it has one.
    #[must_use]
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The 1-based column (in characters) of the problem, if it has one.
    #[must_use]
    pub fn column(&self) -> Option<usize> {
        self.column
    }

    /// The problem in words, without the position.
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// `第 12 行：评分细则合计 95 分，应为 100 分`; without a line, just the reason.
impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "第 {line} 行：{}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for PolicyError {}

/// The 1-based line and character column of byte `offset` in `source`. An offset past the end
/// or inside a character counts as the end of what precedes it.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(source.len());
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    let before = &source[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// One version of the policy, parsed and checked.
///
/// Built only by [`PolicyDocument::parse`] (or [`PolicyDocument::builtin`]), so holding one
/// means every check of that function has passed: the rubric totals 100, every required clause
/// is there, ids are unique, the subsidy is a positive amount.
#[derive(Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    source: String,
    fingerprint: String,
    code: String,
    version: u32,
    effective_from: NaiveDate,
    title: String,
    document_number: String,
    issuer: String,
    subsidy: Money,
    notice_working_days: u32,
    supplement_working_days: u32,
    target_min_bases: u32,
    target_max_bases: u32,
    experts_per_application: u32,
    min_experts: u32,
    score_threshold: u32,
    outlier_points: u32,
    district_division_code: String,
    max_attachment_mb: u32,
    industries: Vec<Term>,
    applicant_kinds: Vec<Term>,
    expense_categories: Vec<Term>,
    rubric: Vec<RubricItem>,
    project_criteria: Vec<ProjectCriterion>,
    priority_bases: Vec<Term>,
    rule_documents: Vec<Term>,
    clauses: Vec<Clause>,
    certification: Option<CertificationRule>,
}

/// The identity of the version, not its (long) text.
impl fmt::Debug for PolicyDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyDocument")
            .field("code", &self.code)
            .field("version", &self.version)
            .field("effective_from", &self.effective_from)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl PolicyDocument {
    /// The version embedded in this binary (青人社〔2023〕17号, version 1).
    ///
    /// # Panics
    /// Never in a released binary: a test parses the embedded file.
    #[must_use]
    pub fn builtin() -> &'static PolicyDocument {
        &BUILTIN
    }

    /// Parses and checks a policy file.
    ///
    /// # Errors
    /// A [`PolicyError`] with the line of the first problem: TOML syntax, an unknown or missing
    /// key, a wrong type, or a value the policy cannot mean (see [`PolicyErrorKind`]).
    pub fn parse(text: &str) -> Result<PolicyDocument, PolicyError> {
        // Syntax first, so that a broken file is reported as such and not as a schema mismatch.
        if let Err(e) = text.parse::<toml::Table>() {
            return Err(PolicyError::at(
                text,
                e.span(),
                PolicyErrorKind::Syntax,
                format!("TOML 语法错误：{}", e.message()),
            ));
        }
        let raw: RawDocument = toml::from_str(text).map_err(|e| schema_error(text, &e))?;
        Checker { source: text }.document(raw)
    }

    /// The file's text, exactly as parsed (the store keeps it verbatim).
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// SM3 of the file's text, lowercase hex: matches a stored version to its file.
    #[must_use]
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The policy's stable code, e.g. `qingpu-2023-17`; versions of one policy share it.
    #[must_use]
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The version number within the code (1, 2, …).
    #[must_use]
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The skill-level certification rule (C3.3): pass marks, assessors, how long an approval
    /// lasts. A stored version written before the section existed reads the embedded version's.
    #[must_use]
    pub fn certification(&self) -> CertificationRule {
        match self.certification {
            Some(rule) => rule,
            None => {
                BUILTIN.certification.unwrap_or_else(|| panic!("the embedded policy has a [certification] section"))
            }
        }
    }

    /// The first day this version applies to (by submission date).
    #[must_use]
    pub fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }

    /// The document's title, e.g. `关于建设青浦区技能人才培育实训基地的实施意见` (without 《》).
    #[must_use]
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The document number (文号), e.g. `青人社〔2023〕17号`.
    #[must_use]
    pub fn document_number(&self) -> &str {
        &self.document_number
    }

    /// The issuing authority, e.g. `青浦区人力资源和社会保障局`.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The one-time subsidy per recognised base (C5), positive.
    #[must_use]
    pub fn subsidy(&self) -> Money {
        self.subsidy
    }

    /// The length of the public notice in working days (C4.2).
    #[must_use]
    pub fn notice_working_days(&self) -> u32 {
        self.notice_working_days
    }

    /// The default deadline of a supplement request (补正) in working days.
    #[must_use]
    pub fn supplement_working_days(&self) -> u32 {
        self.supplement_working_days
    }

    /// The fewest bases the programme aims to recognise (C1).
    #[must_use]
    pub fn target_min_bases(&self) -> u32 {
        self.target_min_bases
    }

    /// The most bases the programme aims to recognise (C1); at least [`Self::target_min_bases`].
    #[must_use]
    pub fn target_max_bases(&self) -> u32 {
        self.target_max_bases
    }

    /// Experts drawn per application.
    #[must_use]
    pub fn experts_per_application(&self) -> u32 {
        self.experts_per_application
    }

    /// The fewest scored experts that make a valid review; at most
    /// [`Self::experts_per_application`].
    #[must_use]
    pub fn min_experts(&self) -> u32 {
        self.min_experts
    }

    /// The total score (0–100) at or above which an application passes.
    #[must_use]
    pub fn score_threshold(&self) -> u32 {
        self.score_threshold
    }

    /// How many points an expert's total may lie from the panel's before it is flagged as an
    /// outlier for review.
    #[must_use]
    pub fn outlier_points(&self) -> u32 {
        self.outlier_points
    }

    /// The district's administrative division code (`310118`, 青浦区): "in the district" (C2.1.1).
    #[must_use]
    pub fn district_division_code(&self) -> &str {
        &self.district_division_code
    }

    /// The default largest attachment, in MB.
    #[must_use]
    pub fn max_attachment_mb(&self) -> u32 {
        self.max_attachment_mb
    }

    /// The default largest attachment, in bytes (MB of 1024 × 1024 bytes).
    #[must_use]
    pub fn max_attachment_bytes(&self) -> u64 {
        u64::from(self.max_attachment_mb) * 1024 * 1024
    }

    /// The key industries (C1); an application's industry must be one of them.
    #[must_use]
    pub fn industries(&self) -> &[Term] {
        &self.industries
    }

    /// A key industry by id.
    #[must_use]
    pub fn industry(&self, id: &str) -> Option<&Term> {
        find(&self.industries, id, Term::id)
    }

    /// The kinds of organisation that may apply (C2.1.0).
    #[must_use]
    pub fn applicant_kinds(&self) -> &[Term] {
        &self.applicant_kinds
    }

    /// An applicant kind by id.
    #[must_use]
    pub fn kind(&self, id: &str) -> Option<&Term> {
        find(&self.applicant_kinds, id, Term::id)
    }

    /// What the subsidy may be spent on (C5).
    #[must_use]
    pub fn expense_categories(&self) -> &[Term] {
        &self.expense_categories
    }

    /// An expense category by id.
    #[must_use]
    pub fn expense_category(&self, id: &str) -> Option<&Term> {
        find(&self.expense_categories, id, Term::id)
    }

    /// The experts' rubric, in the order experts see it; its points total [`RUBRIC_TOTAL`].
    #[must_use]
    pub fn rubric(&self) -> &[RubricItem] {
        &self.rubric
    }

    /// A rubric item by id.
    #[must_use]
    pub fn rubric_item(&self, id: &str) -> Option<&RubricItem> {
        find(&self.rubric, id, RubricItem::id)
    }

    /// The conditions of 二(二), at least one of which a training project must meet (C2.2).
    #[must_use]
    pub fn project_criteria(&self) -> &[ProjectCriterion] {
        &self.project_criteria
    }

    /// A project criterion by id.
    #[must_use]
    pub fn project_criterion(&self, id: &str) -> Option<&ProjectCriterion> {
        find(&self.project_criteria, id, ProjectCriterion::id)
    }

    /// The grounds for priority recognition (C2.1.P).
    #[must_use]
    pub fn priority_bases(&self) -> &[Term] {
        &self.priority_bases
    }

    /// A ground for priority recognition by id.
    #[must_use]
    pub fn priority_basis(&self, id: &str) -> Option<&Term> {
        find(&self.priority_bases, id, Term::id)
    }

    /// The written rules an applicant must have on the wall (C2.1.4).
    #[must_use]
    pub fn rule_documents(&self) -> &[Term] {
        &self.rule_documents
    }

    /// A rule document by id.
    #[must_use]
    pub fn rule_document(&self, id: &str) -> Option<&Term> {
        find(&self.rule_documents, id, Term::id)
    }

    /// Every clause, in the document's order.
    #[must_use]
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }

    /// A clause by id, e.g. `clause("C4.2")`. Every id of [`REQUIRED_CLAUSES`] is present.
    #[must_use]
    pub fn clause(&self, id: &str) -> Option<&Clause> {
        find(&self.clauses, id, Clause::id)
    }
}

fn find<'a, T>(items: &'a [T], id: &str, key: impl Fn(&T) -> &str) -> Option<&'a T> {
    items.iter().find(|item| key(item) == id)
}

/// Why a set of versions cannot be used together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicySetError {
    /// Versions of different policies: "in force" would be ambiguous.
    #[error("政策代码不一致：{first} 与 {other}")]
    MixedCodes { first: String, other: String },
    /// The same version twice.
    #[error("{code} 第 {version} 版重复")]
    DuplicateVersion { code: String, version: u32 },
    /// A later version taking effect before an earlier one.
    #[error("{code} 第 {later} 版的施行日期早于第 {earlier} 版")]
    OutOfOrder { code: String, earlier: u32, later: u32 },
}

impl PolicySetError {
    /// A stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::MixedCodes { .. } => "policy_set_mixed_codes",
            Self::DuplicateVersion { .. } => "policy_set_duplicate_version",
            Self::OutOfOrder { .. } => "policy_set_out_of_order",
        }
    }
}

/// The versions of one policy, to find the one in force on a date.
///
/// Versions are unique, and a higher version never takes effect before a lower one (equal dates
/// are allowed: a correction issued the same day). So "the version in force on a date" — the
/// highest version whose `effective_from` is on or before it — is always one definite version,
/// and adding a version later can only change the answer for dates from its `effective_from` on.
#[derive(Debug, Clone)]
pub struct PolicySet {
    /// Ascending by version (and so by `effective_from`).
    versions: Vec<PolicyDocument>,
}

impl PolicySet {
    /// A set of the given versions, in any order.
    ///
    /// # Errors
    /// [`PolicySetError`] if the versions have different codes, repeat a version, or a higher
    /// version takes effect before a lower one.
    pub fn new(versions: impl IntoIterator<Item = PolicyDocument>) -> Result<Self, PolicySetError> {
        let mut versions: Vec<PolicyDocument> = versions.into_iter().collect();
        versions.sort_by_key(PolicyDocument::version);
        if let Some(first) = versions.first()
            && let Some(other) = versions.iter().find(|v| v.code != first.code)
        {
            return Err(PolicySetError::MixedCodes { first: first.code.clone(), other: other.code.clone() });
        }
        for pair in versions.windows(2) {
            let (earlier, later) = (&pair[0], &pair[1]);
            if earlier.version == later.version {
                return Err(PolicySetError::DuplicateVersion { code: later.code.clone(), version: later.version });
            }
            if later.effective_from < earlier.effective_from {
                return Err(PolicySetError::OutOfOrder {
                    code: later.code.clone(),
                    earlier: earlier.version,
                    later: later.version,
                });
            }
        }
        Ok(Self { versions })
    }

    /// The set holding only the embedded version.
    #[must_use]
    pub fn builtin() -> Self {
        Self { versions: vec![PolicyDocument::builtin().clone()] }
    }

    /// The version in force on `date`: the highest whose `effective_from` is on or before it.
    /// `None` before the first version took effect.
    #[must_use]
    pub fn in_force(&self, date: NaiveDate) -> Option<&PolicyDocument> {
        self.versions.iter().rev().find(|v| v.effective_from <= date)
    }

    /// A version by number.
    #[must_use]
    pub fn version(&self, version: u32) -> Option<&PolicyDocument> {
        self.versions.iter().find(|v| v.version == version)
    }

    /// All versions, ascending.
    #[must_use]
    pub fn versions(&self) -> &[PolicyDocument] {
        &self.versions
    }
}

// ---------------------------------------------------------------------------------------------
// The file format. Every value a check looks at is `Spanned`, so its error can name its line.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    code: Spanned<String>,
    version: Spanned<u32>,
    effective_from: Spanned<String>,
    title: Spanned<String>,
    document_number: Spanned<String>,
    issuer: Spanned<String>,
    parameters: RawParameters,
    industries: Spanned<Vec<RawTerm>>,
    applicant_kinds: Spanned<Vec<RawTerm>>,
    expense_categories: Spanned<Vec<RawTerm>>,
    rubric: Spanned<Vec<RawRubricItem>>,
    project_criteria: Spanned<Vec<RawCriterion>>,
    priority_bases: Spanned<Vec<RawTerm>>,
    rule_documents: Spanned<Vec<RawTerm>>,
    clauses: Spanned<Vec<RawClause>>,
    /// Added after version 1 was first stored: a stored copy without it reads the embedded
    /// version's rule (see [`PolicyDocument::certification`]).
    certification: Option<RawCertification>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCertification {
    theory_pass: Spanned<u32>,
    practical_pass: Spanned<u32>,
    min_assessors: Spanned<u32>,
    approval_years: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameters {
    subsidy: Spanned<String>,
    notice_working_days: Spanned<u32>,
    supplement_working_days: Spanned<u32>,
    target_min_bases: Spanned<u32>,
    target_max_bases: Spanned<u32>,
    experts_per_application: Spanned<u32>,
    min_experts: Spanned<u32>,
    score_threshold: Spanned<u32>,
    outlier_points: Spanned<u32>,
    district_division_code: Spanned<String>,
    max_attachment_mb: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    id: Spanned<String>,
    name: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: Spanned<String>,
    name: Spanned<String>,
    text: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRubricItem {
    id: Spanned<String>,
    name: Spanned<String>,
    points: Spanned<u32>,
    clause: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClause {
    id: Spanned<String>,
    section: Spanned<String>,
    citation: Spanned<String>,
    title: Spanned<String>,
    text: Spanned<String>,
}

/// A serde error of well-formed TOML: the file does not have the policy's shape. serde words
/// these messages in a fixed form (`unknown field …`, `missing field …`), which names the kind.
fn schema_error(source: &str, e: &toml::de::Error) -> PolicyError {
    let message = e.message();
    let (kind, what) = if message.starts_with("unknown field") {
        (PolicyErrorKind::UnknownKey, "未知的键")
    } else if message.starts_with("missing field") {
        (PolicyErrorKind::MissingKey, "缺少必填的键")
    } else {
        (PolicyErrorKind::WrongType, "值的类型不正确")
    };
    PolicyError::at(source, e.span(), kind, format!("{what}：{message}"))
}

/// The checks of a parsed file, with the source at hand to turn spans into lines.
struct Checker<'s> {
    source: &'s str,
}

impl Checker<'_> {
    fn error<T>(&self, span: Range<usize>, kind: PolicyErrorKind, reason: impl Into<String>) -> Result<T, PolicyError> {
        Err(PolicyError::at(self.source, Some(span), kind, reason))
    }

    fn document(&self, raw: RawDocument) -> Result<PolicyDocument, PolicyError> {
        let code = self.code(raw.code)?;
        let version = self.in_range(&raw.version, 1..u32::MAX, "version")?;
        let effective_from = self.date(&raw.effective_from, "effective_from")?;
        let title = self.text(raw.title, "title")?;
        let document_number = self.text(raw.document_number, "document_number")?;
        let issuer = self.text(raw.issuer, "issuer")?;

        let p = raw.parameters;
        let subsidy = self.money(&p.subsidy, "subsidy")?;
        let notice_working_days = self.in_range(&p.notice_working_days, WORKING_DAYS, "notice_working_days")?;
        let supplement_working_days =
            self.in_range(&p.supplement_working_days, WORKING_DAYS, "supplement_working_days")?;
        let target_min_bases = self.in_range(&p.target_min_bases, 0..u32::MAX, "target_min_bases")?;
        let target_max_bases = self.in_range(&p.target_max_bases, 1..u32::MAX, "target_max_bases")?;
        if target_min_bases > target_max_bases {
            return self.error(
                p.target_min_bases.span(),
                PolicyErrorKind::OutOfRange,
                format!("target_min_bases（{target_min_bases}）不能大于 target_max_bases（{target_max_bases}）"),
            );
        }
        let experts_per_application = self.in_range(&p.experts_per_application, 1..101, "experts_per_application")?;
        let min_experts = self.in_range(&p.min_experts, 1..101, "min_experts")?;
        if min_experts > experts_per_application {
            return self.error(
                p.min_experts.span(),
                PolicyErrorKind::OutOfRange,
                format!("min_experts（{min_experts}）不能大于 experts_per_application（{experts_per_application}）"),
            );
        }
        let score_threshold = self.in_range(&p.score_threshold, 0..RUBRIC_TOTAL + 1, "score_threshold")?;
        let outlier_points = self.in_range(&p.outlier_points, 1..RUBRIC_TOTAL + 1, "outlier_points")?;
        let district_division_code = self.division_code(p.district_division_code)?;
        let max_attachment_mb = self.in_range(&p.max_attachment_mb, ATTACHMENT_MB, "max_attachment_mb")?;

        let industries = self.terms(raw.industries, "industries")?;
        let applicant_kinds = self.terms(raw.applicant_kinds, "applicant_kinds")?;
        let expense_categories = self.terms(raw.expense_categories, "expense_categories")?;
        let priority_bases = self.terms(raw.priority_bases, "priority_bases")?;
        let rule_documents = self.terms(raw.rule_documents, "rule_documents")?;
        let project_criteria = self.criteria(raw.project_criteria)?;
        // Clauses before the rubric: rubric items must cite clauses that exist.
        let clauses = self.clauses(raw.clauses)?;
        let rubric = self.rubric(raw.rubric, &clauses)?;
        let certification = match raw.certification {
            None => None,
            Some(c) => Some(CertificationRule {
                theory_pass: self.pass_mark(&c.theory_pass, "theory_pass")?,
                practical_pass: self.pass_mark(&c.practical_pass, "practical_pass")?,
                min_assessors: self.in_range(&c.min_assessors, 1..31, "min_assessors")?,
                approval_years: self.in_range(&c.approval_years, 1..11, "approval_years")?,
            }),
        };

        Ok(PolicyDocument {
            source: self.source.to_owned(),
            fingerprint: sm3_hex(self.source.as_bytes()),
            code,
            version,
            effective_from,
            title,
            document_number,
            issuer,
            subsidy,
            notice_working_days,
            supplement_working_days,
            target_min_bases,
            target_max_bases,
            experts_per_application,
            min_experts,
            score_threshold,
            outlier_points,
            district_division_code,
            max_attachment_mb,
            industries,
            applicant_kinds,
            expense_categories,
            rubric,
            project_criteria,
            priority_bases,
            rule_documents,
            clauses,
            certification,
        })
    }

    /// A pass mark out of 100.
    fn pass_mark(&self, raw: &Spanned<u32>, what: &str) -> Result<Score, PolicyError> {
        let points = self.in_range(raw, 0..101, what)?;
        match Score::from_tenths(i64::from(points) * 10) {
            Some(score) => Ok(score),
            None => self.error(raw.span(), PolicyErrorKind::OutOfRange, format!("{what} 须为 0 至 100 之间的整数")),
        }
    }

    /// `[a-z0-9-]+`: the code goes into URLs, file names and database keys.
    fn code(&self, raw: Spanned<String>) -> Result<String, PolicyError> {
        let span = raw.span();
        let code = raw.into_inner();
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return self.error(span, PolicyErrorKind::BadId, format!("code「{code}」只能由小写字母、数字和 - 组成"));
        }
        Ok(code)
    }

    /// A list id: `[a-z][a-z0-9_]*`, the snake_case keys stored in the database.
    fn id(&self, raw: Spanned<String>, list: &str) -> Result<(String, Range<usize>), PolicyError> {
        let span = raw.span();
        let id = raw.into_inner();
        let ok = id.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return self.error(
                span,
                PolicyErrorKind::BadId,
                format!("{list} 的 id「{id}」应以小写字母开头，只含小写字母、数字和下划线"),
            );
        }
        Ok((id, span))
    }

    /// A clause id as in PRODUCT.md §1: `C` then digits, dots and capitals (`C2.1.P`).
    fn clause_id(&self, raw: Spanned<String>) -> Result<(String, Range<usize>), PolicyError> {
        let span = raw.span();
        let id = raw.into_inner();
        let ok = id.len() > 1
            && id.starts_with('C')
            && id.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'.');
        if !ok {
            return self.error(span, PolicyErrorKind::BadId, format!("条款 id「{id}」格式不正确，应如 C2.1.1"));
        }
        Ok((id, span))
    }

    /// A text people read: not blank.
    fn text(&self, raw: Spanned<String>, what: &str) -> Result<String, PolicyError> {
        let span = raw.span();
        let text = raw.into_inner();
        if text.trim().is_empty() {
            return self.error(span, PolicyErrorKind::Empty, format!("{what} 不能为空"));
        }
        Ok(text)
    }

    fn in_range(&self, raw: &Spanned<u32>, range: Range<u32>, what: &str) -> Result<u32, PolicyError> {
        let value = *raw.get_ref();
        if !range.contains(&value) {
            let (low, high) = (range.start, range.end.saturating_sub(1));
            return self.error(
                raw.span(),
                PolicyErrorKind::OutOfRange,
                format!("{what} 应在 {low} 至 {high} 之间，而不是 {value}"),
            );
        }
        Ok(value)
    }

    /// `YYYY-MM-DD`, exactly: chrono alone would also take `2023-6-14`.
    fn date(&self, raw: &Spanned<String>, what: &str) -> Result<NaiveDate, PolicyError> {
        let text = raw.get_ref();
        let shaped = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) if shaped => Ok(date),
            _ => self.error(
                raw.span(),
                PolicyErrorKind::BadDate,
                format!("{what}「{text}」不是 YYYY-MM-DD 格式的有效日期"),
            ),
        }
    }

    fn money(&self, raw: &Spanned<String>, what: &str) -> Result<Money, PolicyError> {
        match Money::parse(raw.get_ref()) {
            Ok(m) if m > Money::ZERO => Ok(m),
            Ok(_) => self.error(raw.span(), PolicyErrorKind::BadMoney, format!("{what} 必须大于零")),
            Err(e) => self.error(raw.span(), PolicyErrorKind::BadMoney, format!("{what}「{}」：{e}", raw.get_ref())),
        }
    }

    /// Six digits (GB/T 2260).
    fn division_code(&self, raw: Spanned<String>) -> Result<String, PolicyError> {
        let span = raw.span();
        let code = raw.into_inner();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return self.error(span, PolicyErrorKind::BadId, format!("district_division_code「{code}」应为 6 位数字"));
        }
        Ok(code)
    }

    /// A non-empty list, for `list`: refuses an empty one at its own line.
    fn non_empty<T>(&self, raw: Spanned<Vec<T>>, list: &str) -> Result<Vec<T>, PolicyError> {
        let span = raw.span();
        let items = raw.into_inner();
        if items.is_empty() {
            return self.error(span, PolicyErrorKind::Empty, format!("{list} 不能为空"));
        }
        Ok(items)
    }

    fn unique(&self, seen: &mut HashSet<String>, id: &str, span: Range<usize>, list: &str) -> Result<(), PolicyError> {
        if !seen.insert(id.to_owned()) {
            return self.error(span, PolicyErrorKind::DuplicateId, format!("{list} 的 id「{id}」重复"));
        }
        Ok(())
    }

    fn terms(&self, raw: Spanned<Vec<RawTerm>>, list: &str) -> Result<Vec<Term>, PolicyError> {
        let mut seen = HashSet::new();
        let mut terms = Vec::new();
        for item in self.non_empty(raw, list)? {
            let (id, span) = self.id(item.id, list)?;
            self.unique(&mut seen, &id, span, list)?;
            let name = self.text(item.name, &format!("{list}「{id}」的 name"))?;
            terms.push(Term { id, name });
        }
        Ok(terms)
    }

    fn criteria(&self, raw: Spanned<Vec<RawCriterion>>) -> Result<Vec<ProjectCriterion>, PolicyError> {
        let list = "project_criteria";
        let mut seen = HashSet::new();
        let mut criteria = Vec::new();
        for item in self.non_empty(raw, list)? {
            let (id, span) = self.id(item.id, list)?;
            self.unique(&mut seen, &id, span, list)?;
            let name = self.text(item.name, &format!("{list}「{id}」的 name"))?;
            let text = self.text(item.text, &format!("{list}「{id}」的 text"))?;
            criteria.push(ProjectCriterion { id, name, text });
        }
        Ok(criteria)
    }

    fn clauses(&self, raw: Spanned<Vec<RawClause>>) -> Result<Vec<Clause>, PolicyError> {
        let list_span = raw.span();
        let mut seen = HashSet::new();
        let mut clauses = Vec::new();
        for item in self.non_empty(raw, "clauses")? {
            let (id, span) = self.clause_id(item.id)?;
            self.unique(&mut seen, &id, span, "clauses")?;
            let what = |field: &str| format!("条款 {id} 的 {field}");
            let section = self.text(item.section, &what("section"))?;
            let citation = self.text(item.citation, &what("citation"))?;
            let title = self.text(item.title, &what("title"))?;
            let text = self.text(item.text, &what("text"))?;
            clauses.push(Clause { id, section, citation, title, text });
        }
        if let Some(missing) = REQUIRED_CLAUSES.iter().find(|id| !seen.contains(**id)) {
            return self.error(list_span, PolicyErrorKind::MissingClause, format!("缺少条款 {missing}"));
        }
        Ok(clauses)
    }

    fn rubric(&self, raw: Spanned<Vec<RawRubricItem>>, clauses: &[Clause]) -> Result<Vec<RubricItem>, PolicyError> {
        let list = "rubric";
        let list_span = raw.span();
        let mut seen = HashSet::new();
        let mut rubric = Vec::new();
        let mut total: u32 = 0;
        for item in self.non_empty(raw, list)? {
            let (id, span) = self.id(item.id, list)?;
            self.unique(&mut seen, &id, span, list)?;
            let name = self.text(item.name, &format!("{list}「{id}」的 name"))?;
            let points = self.in_range(&item.points, 1..RUBRIC_TOTAL + 1, &format!("{list}「{id}」的 points"))?;
            total = total.saturating_add(points);
            let clause_span = item.clause.span();
            let clause = item.clause.into_inner();
            if !clauses.iter().any(|c| c.id == clause) {
                return self.error(
                    clause_span,
                    PolicyErrorKind::UnknownClause,
                    format!("{list}「{id}」引用的条款 {clause} 不存在"),
                );
            }
            rubric.push(RubricItem { id, name, points, clause });
        }
        if total != RUBRIC_TOTAL {
            return self.error(
                list_span,
                PolicyErrorKind::RubricTotal,
                format!("评分细则合计 {total} 分，应为 {RUBRIC_TOTAL} 分"),
            );
        }
        Ok(rubric)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    /// The builtin text with `from` replaced by `to` (which must occur exactly once).
    fn edited(from: &str, to: &str) -> String {
        assert_eq!(BUILTIN_SOURCE.matches(from).count(), 1, "`{from}` must occur once in the builtin file");
        BUILTIN_SOURCE.replacen(from, to, 1)
    }

    /// The 1-based line of the first occurrence of `needle` in `text`.
    fn line_of(text: &str, needle: &str) -> usize {
        let at = text.find(needle).expect("needle present");
        text[..at].matches('\n').count() + 1
    }

    fn refused(text: &str) -> PolicyError {
        PolicyDocument::parse(text).expect_err("the text must be refused")
    }

    #[test]
    fn the_builtin_file_parses_with_the_policys_numbers() {
        let p = PolicyDocument::builtin();
        assert_eq!(p.code(), "qingpu-2023-17");
        assert_eq!(p.version(), 1);
        assert_eq!(p.effective_from(), date("2023-06-14"));
        assert_eq!(p.title(), "关于建设青浦区技能人才培育实训基地的实施意见");
        assert_eq!(p.document_number(), "青人社〔2023〕17号");
        assert_eq!(p.issuer(), "青浦区人力资源和社会保障局");
        assert_eq!(p.subsidy().fen(), 20_000_000);
        assert_eq!(p.notice_working_days(), 5);
        assert_eq!(p.supplement_working_days(), 5);
        assert_eq!((p.target_min_bases(), p.target_max_bases()), (5, 10));
        assert_eq!((p.experts_per_application(), p.min_experts()), (5, 3));
        assert_eq!((p.score_threshold(), p.outlier_points()), (60, 15));
        assert_eq!(p.district_division_code(), "310118");
        assert_eq!(p.max_attachment_mb(), 20);
        assert_eq!(p.max_attachment_bytes(), 20 * 1024 * 1024);
    }

    #[test]
    fn the_builtin_lists() {
        let p = PolicyDocument::builtin();
        fn names(terms: &[Term]) -> Vec<&str> {
            terms.iter().map(Term::name).collect()
        }
        assert_eq!(
            names(p.expense_categories()),
            [
                "场地设备租赁",
                "耗材工具购置",
                "师资培养",
                "带徒传技",
                "项目开发",
                "技术交流攻关",
                "培训进修",
                "技能竞赛",
                "鉴定考核",
                "创新科研",
                "著作出版",
                "课题调研"
            ]
        );
        assert_eq!(names(p.industries()), ["大数字", "大健康", "大商贸", "快递物流", "绿色金融", "软件信息"]);
        assert_eq!(p.industry("green_finance").map(Term::name), Some("绿色金融"));
        assert_eq!(p.industry("other"), None);
        assert_eq!(p.kind("vocational_college").map(Term::name), Some("职业院校"));
        assert_eq!(p.applicant_kinds().len(), 3);
        assert_eq!(p.expense_category("apprenticeship").map(Term::name), Some("带徒传技"));
        assert_eq!(p.priority_basis("worldskills_shanghai").map(Term::name), Some("世界技能大赛上海集训基地"));
        assert_eq!(p.priority_bases().len(), 5);
        assert_eq!(
            p.rule_documents().iter().map(Term::id).collect::<Vec<_>>(),
            ["training_work", "training_management", "financial_management", "asset_management"]
        );
        assert_eq!(
            p.project_criteria().iter().map(ProjectCriterion::id).collect::<Vec<_>>(),
            ["key_industry", "high_demand", "traditional_skill", "stable_employment"]
        );
        assert_eq!(
            p.project_criterion("traditional_skill").map(ProjectCriterion::text),
            Some("具有传统技能保护的项目")
        );
    }

    #[test]
    fn the_builtin_rubric_totals_100_and_cites_its_clauses() {
        let p = PolicyDocument::builtin();
        let items: Vec<_> = p.rubric().iter().map(|r| (r.id(), r.name(), r.points(), r.clause())).collect();
        assert_eq!(
            items,
            [
                ("subject", "建设主体", 20, "C2.1.1"),
                ("site", "实训场地设备", 25, "C2.1.2"),
                ("team", "师资管理团队", 25, "C2.1.3"),
                ("rules", "规范管理制度", 10, "C2.1.4"),
                ("projects", "培育项目", 20, "C2.2"),
            ]
        );
        assert_eq!(p.rubric().iter().map(RubricItem::points).sum::<u32>(), RUBRIC_TOTAL);
        assert_eq!(p.rubric_item("team").map(RubricItem::points), Some(25));
    }

    #[test]
    fn the_builtin_clauses() {
        let p = PolicyDocument::builtin();
        let ids: Vec<_> = p.clauses().iter().map(Clause::id).collect();
        assert_eq!(ids, REQUIRED_CLAUSES);
        let c = p.clause("C2.1.2").expect("C2.1.2");
        assert_eq!(c.section(), "二(一)2");
        assert_eq!(c.citation(), "第二条第（一）款第2项");
        assert_eq!(c.title(), "实训场地设备");
        assert_eq!(c.text(), "实训场地设备。具备实施技能人才培育所要求的实践教学场所，有必要的教学设施设备。");
        let notice = p.clause("C4.2").expect("C4.2");
        assert!(notice.text().ends_with("公示时间为5个工作日。"));
        // The page-break artefacts of the seed (a leading space on a continued line) are gone.
        for clause in p.clauses() {
            assert!(!clause.text().contains("\n "), "{}", clause.id());
            assert!(!clause.text().starts_with(' '), "{}", clause.id());
            assert!(!clause.text().ends_with('\n'), "{}", clause.id());
        }
        assert_eq!(p.clause("C2.2").expect("C2.2").text().lines().count(), 5);
        assert_eq!(p.clause("C9"), None);
    }

    #[test]
    fn the_certification_rule_is_read_from_the_file_and_a_version_without_it_reads_the_embedded_one() {
        let p = PolicyDocument::builtin();
        let rule = p.certification();
        assert_eq!((rule.theory_pass.tenths(), rule.practical_pass.tenths()), (600, 600));
        assert_eq!((rule.min_assessors, rule.approval_years), (3, 3));
        let at = BUILTIN_SOURCE.find("[certification]").expect("section");
        let older = PolicyDocument::parse(&BUILTIN_SOURCE[..at]).expect("a version written before the section");
        assert_eq!(older.certification(), rule);
        let stricter = PolicyDocument::parse(&edited("theory_pass = 60", "theory_pass = 70")).expect("parses");
        assert_eq!(stricter.certification().theory_pass.tenths(), 700);
        let error =
            PolicyDocument::parse(&edited("practical_pass = 60", "practical_pass = 101")).expect_err("out of range");
        assert_eq!(error.kind(), PolicyErrorKind::OutOfRange);
    }

    #[test]
    fn source_and_fingerprint() {
        let p = PolicyDocument::builtin();
        assert_eq!(p.source(), BUILTIN_SOURCE);
        assert_eq!(p.fingerprint(), sm3_hex(BUILTIN_SOURCE.as_bytes()));
        assert_eq!(p.fingerprint().len(), 64);
        // A change of a comment is a different file.
        let other = PolicyDocument::parse(&format!("{BUILTIN_SOURCE}\n# 注释\n")).expect("parses");
        assert_ne!(other.fingerprint(), p.fingerprint());
        assert_eq!(other.rubric(), p.rubric());
        let shown = format!("{p:?}");
        assert!(shown.contains("qingpu-2023-17") && !shown.contains("实施意见"), "{shown}");
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let text = edited("notice_working_days = 5\n", "notice_working_days = = 5\n");
        let e = refused(&text);
        assert_eq!(e.kind(), PolicyErrorKind::Syntax);
        assert_eq!(e.code(), "policy_syntax");
        assert_eq!(e.line(), Some(line_of(&text, "notice_working_days")));
        assert!(e.to_string().starts_with(&format!("第 {} 行：TOML 语法错误", line_of(&text, "notice_working_days"))));

        let e = refused("code = \"x\"\nversion = 1\ntitle = \"unclosed\n");
        assert_eq!((e.kind(), e.line()), (PolicyErrorKind::Syntax, Some(3)));
    }

    #[test]
    fn a_rubric_of_95_points_is_refused_at_the_rubric() {
        let text = edited("points = 10\n", "points = 5\n");
        let e = refused(&text);
        assert_eq!(e.kind(), PolicyErrorKind::RubricTotal);
        assert_eq!(e.line(), Some(line_of(&text, "[[rubric]]")));
        assert_eq!(e.column(), Some(1));
        assert!(e.reason().contains("95"), "{e}");
    }

    #[test]
    fn an_unknown_key_is_refused_at_its_line() {
        let text = edited("outlier_points = 15\n", "outlier_points = 15\noutlier_point = 15\n");
        let e = refused(&text);
        assert_eq!(e.kind(), PolicyErrorKind::UnknownKey);
        assert_eq!(e.code(), "policy_unknown_key");
        assert_eq!(e.line(), Some(line_of(&text, "outlier_point =")));
        assert!(e.reason().contains("outlier_point"), "{e}");

        let text = edited("name = \"大健康\"\n", "name = \"大健康\"\ncolour = \"green\"\n");
        let e = refused(&text);
        assert_eq!((e.kind(), e.line()), (PolicyErrorKind::UnknownKey, Some(line_of(&text, "colour"))));
    }

    #[test]
    fn a_missing_key_and_a_wrong_type() {
        let e = refused(&edited("min_experts = 3\n", ""));
        assert_eq!(e.kind(), PolicyErrorKind::MissingKey);
        assert!(e.reason().contains("min_experts"), "{e}");

        let text = edited("min_experts = 3\n", "min_experts = \"3\"\n");
        let e = refused(&text);
        assert_eq!((e.kind(), e.line()), (PolicyErrorKind::WrongType, Some(line_of(&text, "min_experts"))));

        let text = edited("min_experts = 3\n", "min_experts = -3\n");
        assert_eq!(refused(&text).kind(), PolicyErrorKind::WrongType);
    }

    #[test]
    fn bad_dates_are_refused_at_their_line() {
        for bad in ["2023-02-30", "2023-6-14", "14/06/2023", "", "2023-06-14T00:00"] {
            let text = edited("effective_from = \"2023-06-14\"", &format!("effective_from = \"{bad}\""));
            let e = refused(&text);
            assert_eq!(e.kind(), PolicyErrorKind::BadDate, "{bad}");
            assert_eq!(e.line(), Some(line_of(&text, "effective_from =")), "{bad}");
            assert_eq!(e.column(), Some("effective_from = ".len() + 1), "{bad}");
        }
        // A bare TOML date is not the format either: the file says dates as strings.
        let e = refused(&edited("effective_from = \"2023-06-14\"", "effective_from = 2023-06-14"));
        assert_eq!(e.kind(), PolicyErrorKind::WrongType);
    }

    #[test]
    fn bad_money_is_refused_at_its_line() {
        for bad in ["20万", "200000.001", "-5", "0", "0.00", ""] {
            let text = edited("subsidy = \"200000.00\"", &format!("subsidy = \"{bad}\""));
            let e = refused(&text);
            assert_eq!(e.kind(), PolicyErrorKind::BadMoney, "{bad}");
            assert_eq!(e.line(), Some(line_of(&text, "subsidy =")), "{bad}");
        }
        let ok = PolicyDocument::parse(&edited("subsidy = \"200000.00\"", "subsidy = \"¥200,000\"")).expect("parses");
        assert_eq!(ok.subsidy(), Money::from_fen(20_000_000));
    }

    #[test]
    fn numbers_out_of_range() {
        let cases = [
            ("notice_working_days = 5", "notice_working_days = 0"),
            ("notice_working_days = 5", "notice_working_days = 31"),
            ("supplement_working_days = 5", "supplement_working_days = 0"),
            ("target_min_bases = 5", "target_min_bases = 11"),
            ("min_experts = 3", "min_experts = 6"),
            ("score_threshold = 60", "score_threshold = 101"),
            ("max_attachment_mb = 20", "max_attachment_mb = 0"),
            ("version = 1", "version = 0"),
        ];
        for (from, to) in cases {
            let text = edited(from, to);
            let e = refused(&text);
            assert_eq!(e.kind(), PolicyErrorKind::OutOfRange, "{to}");
            assert_eq!(e.line(), Some(line_of(&text, to)), "{to}");
        }
        // The edges are allowed.
        for (from, to) in [("score_threshold = 60", "score_threshold = 0"), ("min_experts = 3", "min_experts = 5")] {
            assert!(PolicyDocument::parse(&edited(from, to)).is_ok(), "{to}");
        }
    }

    #[test]
    fn ids_codes_and_lists() {
        let text = edited("id = \"studies\"", "id = \"apprenticeship\"");
        let e = refused(&text);
        assert_eq!(e.kind(), PolicyErrorKind::DuplicateId);
        assert_eq!(
            e.line(),
            Some(
                text.rfind("id = \"apprenticeship\"").map(|at| text[..at].matches('\n').count() + 1).expect("present")
            )
        );

        let e = refused(&edited("id = \"C6\"", "id = \"C5\""));
        assert_eq!(e.kind(), PolicyErrorKind::DuplicateId);

        let text = edited("id = \"C6\"", "id = \"C6b\"");
        let e = refused(&text);
        assert_eq!(e.kind(), PolicyErrorKind::BadId);
        assert_eq!(e.line(), Some(line_of(&text, "C6b")));

        let text = edited("id = \"C7\"", "id = \"C8\"");
        let e = refused(&text);
        assert_eq!(e.kind(), PolicyErrorKind::MissingClause);
        assert!(e.reason().contains("C7"), "{e}");
        assert_eq!(e.line(), Some(line_of(&text, "[[clauses]]")));

        let e = refused(&edited("clause = \"C2.2\"", "clause = \"C2.9\""));
        assert_eq!(e.kind(), PolicyErrorKind::UnknownClause);

        for bad in ["Qingpu-2023-17", "qingpu_2023", ""] {
            let text = edited("code = \"qingpu-2023-17\"", &format!("code = \"{bad}\""));
            assert_eq!(refused(&text).kind(), PolicyErrorKind::BadId, "{bad}");
        }
        for bad in ["GreenFinance", "2green", "green finance", ""] {
            let text = edited("id = \"green_finance\"", &format!("id = \"{bad}\""));
            assert_eq!(refused(&text).kind(), PolicyErrorKind::BadId, "{bad}");
        }
        let e = refused(&edited("name = \"著作出版\"", "name = \"  \""));
        assert_eq!(e.kind(), PolicyErrorKind::Empty);
        let e = refused(&edited("district_division_code = \"310118\"", "district_division_code = \"31011\""));
        assert_eq!(e.kind(), PolicyErrorKind::BadId);

        // An empty list, written inline, is refused at its line.
        let start = BUILTIN_SOURCE.find("[[rule_documents]]").expect("rule documents");
        let end = BUILTIN_SOURCE.find("# Every clause").expect("clauses comment");
        let text = format!("{}{}", &BUILTIN_SOURCE[..start], &BUILTIN_SOURCE[end..]);
        let text = text.replacen("issuer = ", "rule_documents = []\nissuer = ", 1);
        let e = refused(&text);
        assert_eq!((e.kind(), e.line()), (PolicyErrorKind::Empty, Some(line_of(&text, "rule_documents = []"))));
    }

    #[test]
    fn error_display_and_codes() {
        let e = PolicyError::at("a\nbb\n", Some(3..4), PolicyErrorKind::RubricTotal, "合计不对");
        assert_eq!((e.line(), e.column()), (Some(2), Some(2)));
        assert_eq!(e.to_string(), "第 2 行：合计不对");
        let e = PolicyError::at("", None, PolicyErrorKind::Empty, "空");
        assert_eq!((e.line(), e.to_string()), (None, "空".to_owned()));
        // Columns count characters, not bytes; offsets inside a character or past the end are safe.
        assert_eq!(line_column("名称 = 1", "名称 = ".len()), (1, 6));
        assert_eq!(line_column("名称", 1), (1, 1));
        assert_eq!(line_column("a\n", 99), (2, 1));
        let codes: HashSet<_> = [
            PolicyErrorKind::Syntax,
            PolicyErrorKind::UnknownKey,
            PolicyErrorKind::MissingKey,
            PolicyErrorKind::WrongType,
            PolicyErrorKind::BadDate,
            PolicyErrorKind::BadMoney,
            PolicyErrorKind::OutOfRange,
            PolicyErrorKind::Empty,
            PolicyErrorKind::BadId,
            PolicyErrorKind::DuplicateId,
            PolicyErrorKind::RubricTotal,
            PolicyErrorKind::MissingClause,
            PolicyErrorKind::UnknownClause,
        ]
        .into_iter()
        .map(PolicyErrorKind::code)
        .collect();
        assert_eq!(codes.len(), 13);
        assert!(codes.iter().all(|c| c.starts_with("policy_")));
    }

    fn version(number: u32, effective_from: &str) -> PolicyDocument {
        let text = edited("version = 1\n", &format!("version = {number}\n")).replacen(
            "effective_from = \"2023-06-14\"",
            &format!("effective_from = \"{effective_from}\""),
            1,
        );
        PolicyDocument::parse(&text).expect("test version parses")
    }

    #[test]
    fn in_force_picks_the_latest_version_on_or_before_the_date() {
        let set = PolicySet::new([version(3, "2025-01-01"), version(1, "2023-06-14"), version(2, "2025-01-01")])
            .expect("a valid set");
        let at = |d: &str| set.in_force(date(d)).map(PolicyDocument::version);
        assert_eq!(at("2023-06-13"), None);
        assert_eq!(at("2023-06-14"), Some(1));
        assert_eq!(at("2024-12-31"), Some(1));
        // Two versions from one day: the later one (a same-day correction) applies.
        assert_eq!(at("2025-01-01"), Some(3));
        assert_eq!(at("2030-01-01"), Some(3));
        assert_eq!(set.versions().iter().map(PolicyDocument::version).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(set.version(2).map(PolicyDocument::effective_from), Some(date("2025-01-01")));

        let builtin = PolicySet::builtin();
        assert_eq!(
            builtin.in_force(date("2024-03-01")).map(PolicyDocument::fingerprint),
            Some(PolicyDocument::builtin().fingerprint())
        );
        assert!(PolicySet::new([]).expect("empty set").in_force(date("2024-01-01")).is_none());
    }

    #[test]
    fn inconsistent_sets_are_refused() {
        let e = PolicySet::new([version(1, "2023-06-14"), version(1, "2024-01-01")]).expect_err("duplicate");
        assert_eq!(e.code(), "policy_set_duplicate_version");
        let e = PolicySet::new([version(1, "2024-01-01"), version(2, "2023-06-14")]).expect_err("out of order");
        assert_eq!(e.code(), "policy_set_out_of_order");
        let other =
            PolicyDocument::parse(&edited("code = \"qingpu-2023-17\"", "code = \"qingpu-2025-1\"")).expect("parses");
        let e = PolicySet::new([version(1, "2023-06-14"), other]).expect_err("mixed");
        assert_eq!(e.code(), "policy_set_mixed_codes");
    }

    /// A mutation of the builtin text: `cut` characters removed at character `at`, `insert` put there.
    fn mutate(at: usize, cut: usize, insert: &str) -> String {
        let chars: Vec<char> = BUILTIN_SOURCE.chars().collect();
        let at = at % (chars.len() + 1);
        let end = (at + cut).min(chars.len());
        chars[..at].iter().chain(insert.chars().collect::<Vec<_>>().iter()).chain(chars[end..].iter()).collect()
    }

    proptest! {
        #[test]
        fn parse_never_panics_on_arbitrary_text(s in any::<String>()) {
            let _ = PolicyDocument::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_near_misses(
            at in 0..20_000usize,
            cut in 0..40usize,
            insert in r#"[a-z0-9_=\[\]"\n .,\-#{}'\\万〔〕]{0,12}"#,
        ) {
            let text = mutate(at, cut, &insert);
            match PolicyDocument::parse(&text) {
                Ok(p) => {
                    // Whatever survives the mutation still holds every promise of the type.
                    prop_assert_eq!(p.rubric().iter().map(RubricItem::points).sum::<u32>(), RUBRIC_TOTAL);
                    prop_assert!(REQUIRED_CLAUSES.iter().all(|id| p.clause(id).is_some()));
                    prop_assert!(p.subsidy() > Money::ZERO);
                    prop_assert!(p.min_experts() <= p.experts_per_application());
                    prop_assert!(p.target_min_bases() <= p.target_max_bases());
                }
                Err(e) => {
                    let lines = text.lines().count().max(1) + 1;
                    prop_assert!(e.line().is_none_or(|line| line >= 1 && line <= lines), "{e}");
                }
            }
        }

        #[test]
        fn dropping_or_repeating_a_line_never_panics(line in 0..400usize, repeat in any::<bool>()) {
            let lines: Vec<&str> = BUILTIN_SOURCE.lines().collect();
            let line = line % lines.len();
            let mut out: Vec<&str> = lines.clone();
            if repeat { out.insert(line, lines[line]); } else { out.remove(line); }
            let _ = PolicyDocument::parse(&out.join("\n"));
        }
    }
}

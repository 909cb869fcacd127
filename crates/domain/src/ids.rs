//! A typed id per table, so an `ApplicationId` can never be passed where a `BaseId` is expected.
//!
//! Ids are UUIDv7 (time-ordered, so indexes stay append-mostly) and are stored as TEXT, which
//! both SQLite and PostgreSQL index well. An id is made from parts its caller gives — the instant
//! from the injected clock, a counter and random bits — so this crate reads no clock and no random
//! source of its own (`app` makes every id the use cases need).

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// The UUIDv7 of `unix_ms` and ten bytes of counter and random bits (RFC 9562
            /// §5.7, §6.2): ids made later, or with a higher counter, sort after.
            pub fn from_parts(unix_ms: u64, counter_random: [u8; 10]) -> Self {
                Self(uuid::Builder::from_unix_timestamp_millis(unix_ms, &counter_random).into_uuid())
            }

            /// The id of a UUID made elsewhere.
            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl TypedId for $name {
            fn from_parts(unix_ms: u64, counter_random: [u8; 10]) -> Self {
                Self::from_parts(unix_ms, counter_random)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                Uuid::parse_str(s).map(Self).map_err(|_| InvalidId)
            }
        }
    )*};
}

/// What every typed id offers to whoever makes ids: being built from its parts.
pub trait TypedId: Sized {
    /// See the ids' own `from_parts`.
    fn from_parts(unix_ms: u64, counter_random: [u8; 10]) -> Self;
}

/// A string that is not an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("标识符格式不正确")]
pub struct InvalidId;

typed_id! {
    /// An account (any role).
    UserId;
    /// An applicant organisation, keyed in the world by its 统一社会信用代码.
    OrganizationId;
    /// A dispute over who holds a 统一社会信用代码 (归属争议).
    DisputeId;
    /// A row of the job queue.
    JobId;
    /// A row of the audit trail.
    AuditId;
    /// A call for applications (申报批次).
    BatchId;
    /// An application for recognition as a training base.
    ApplicationId;
    /// An uploaded file attached to an application.
    AttachmentId;
    /// An in-app notification to an organisation.
    NotificationId;
    /// One expert's assignment to review one application.
    AssignmentId;
    /// One stored draw of experts (the seed, the candidates, who was drawn).
    DrawId;
    /// A draw that found fewer experts than it was asked for, until later draws fill it.
    ShortfallId;
    /// A recognition list staff propose for a call (拟认定名单), for the leader to approve.
    ProposalId;
    /// A public notice (公示).
    NoticeId;
    /// An objection filed against a notice's entry (异议).
    ObjectionId;
    /// A recognised training base (认定基地).
    BaseId;
    /// A funding request to the coordination group (资金申请).
    FundingRequestId;
    /// A payment of subsidy to a base (拨付).
    DisbursementId;
    /// An expense recorded by a base (支出).
    ExpenseId;
    /// A base's training project (培育项目).
    ProjectId;
    /// A class of a training project (培训班).
    ClassId;
    /// A person trained by a base (学员), once per base.
    TraineeId;
    /// A trainee's place in a class (报名).
    EnrolmentId;
    /// A master–apprentice pair (高师带徒).
    PairId;
    /// A skill competition (技能竞赛).
    CompetitionId;
    /// One upload of a roster workbook and its outcome (名册导入).
    RosterImportId;
    /// A base's filing to certify skill levels of occupations (职业技能等级认定备案).
    FilingId;
    /// A certification session (考评) of a base.
    SessionId;
    /// A candidate's result in a certification session.
    ResultId;
    /// A skill-level certificate (职业技能等级证书).
    CertificateId;
    /// One incentive record of a base (激励): an appointment, an award or another incentive.
    IncentiveId;
    /// A year's annual review campaign (年度复核).
    CampaignId;
    /// A base's annual report within a campaign.
    AnnualReportId;
    /// A step taken on an annual report (its history).
    ReportStepId;
    /// Money a revoked base paid back (追回).
    RecoveryId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = UserId::from_parts(1_727_402_400_000, [7; 10]);
        assert_eq!(id.to_string().parse::<UserId>(), Ok(id));
        assert_eq!(UserId::from_uuid(id.as_uuid()), id);
        assert_eq!("not-an-id".parse::<UserId>(), Err(InvalidId));
    }

    #[test]
    fn ids_are_version_7_and_ordered_by_instant_then_counter() {
        let at = 1_727_402_400_000;
        let id = JobId::from_parts(at, [0; 10]);
        assert_eq!(id.as_uuid().get_version_num(), 7);
        assert_eq!(id.as_uuid().get_timestamp().map(|t| t.to_unix()), Some((at / 1000, 0)));
        let mut next = [0; 10];
        next[1] = 1;
        assert!(id < JobId::from_parts(at, next), "the counter orders ids of one millisecond");
        assert!(JobId::from_parts(at, [0xff; 10]) < JobId::from_parts(at + 1, [0; 10]), "a later instant sorts after");
    }
}

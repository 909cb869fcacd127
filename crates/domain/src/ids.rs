//! A typed id per table, so an `ApplicationId` can never be passed where a `BaseId` is expected.
//!
//! Ids are UUIDv7 (time-ordered, so indexes stay append-mostly) and are stored as TEXT, which
//! both SQLite and PostgreSQL index well.

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
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
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

/// A string that is not an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("标识符格式不正确")]
pub struct InvalidId;

typed_id! {
    /// An account (any role).
    UserId;
    /// An applicant organisation, keyed in the world by its 统一社会信用代码.
    OrganizationId;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = UserId::new();
        assert_eq!(id.to_string().parse::<UserId>(), Ok(id));
        assert_eq!("not-an-id".parse::<UserId>(), Err(InvalidId));
    }

    #[test]
    fn new_ids_are_ordered_by_creation() {
        let first = JobId::new();
        let second = JobId::new();
        assert!(first < second);
    }
}

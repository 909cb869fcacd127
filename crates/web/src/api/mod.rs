//! The JSON API under `/api/v1`.

pub mod annual_review;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod certification;
pub mod disputes;
pub mod incentives;
pub mod notices;
pub mod paging;
pub mod program;
pub mod review;
pub mod subsidy;
pub mod tokens;
pub mod training;
pub mod users;

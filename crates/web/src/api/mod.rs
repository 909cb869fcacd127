//! The JSON API under `/api/v1`.

pub mod auth;
pub mod calendar;

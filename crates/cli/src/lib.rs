//! The `skillbase` binary's library half: configuration, start-up and shutdown, so that the
//! integration tests start exactly the server that `skillbase serve` starts.

pub mod config;
pub mod serve;
pub mod telemetry;

pub use config::Settings;
pub use serve::{Running, start};

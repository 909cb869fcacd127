//! Tells the integration tests, when they are built, which of their halves this machine can run,
//! so that a half that cannot run is reported by the test runner as `ignored` (with its reason)
//! instead of passing without having run:
//!
//! - `skillbase_postgres`: the test PostgreSQL server (`SKILLBASE_TEST_DATABASE_URL`, default the
//!   local server) accepts connections;
//! - `skillbase_chromium`: a Chromium executable is installed.
//!
//! With `SKILLBASE_TEST_STRICT=1` both are always set: every half runs, and one whose engine or
//! browser is missing fails at run time instead of being ignored. Nothing here affects the
//! `skillbase` binary itself.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

/// Must match `helpers::postgres_url` in the tests.
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Must match `browser::chromium` in the tests (after `SKILLBASE_CHROMIUM`).
const CHROMIUM_PATHS: [&str; 3] = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

fn main() {
    println!("cargo:rustc-check-cfg=cfg(skillbase_postgres)");
    println!("cargo:rustc-check-cfg=cfg(skillbase_chromium)");
    for variable in ["SKILLBASE_TEST_STRICT", "SKILLBASE_TEST_DATABASE_URL", "SKILLBASE_CHROMIUM"] {
        println!("cargo:rerun-if-env-changed={variable}");
    }
    println!("cargo:rerun-if-changed=build.rs");

    let strict = std::env::var("SKILLBASE_TEST_STRICT").is_ok_and(|v| v == "1" || v == "true");
    if strict || postgres_answers() {
        println!("cargo:rustc-cfg=skillbase_postgres");
    }
    if strict || chromium_installed() {
        println!("cargo:rustc-cfg=skillbase_chromium");
    }
}

/// Whether the server named by the test URL accepts a TCP connection within a second. (Whether
/// the database and role are usable is left to the tests, which say so at run time.)
fn postgres_answers() -> bool {
    let url = std::env::var("SKILLBASE_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
    let Some((host, port)) = host_and_port(&url) else { return false };
    let Ok(addresses) = (host.as_str(), port).to_socket_addrs() else { return false };
    addresses.into_iter().any(|address| TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_ok())
}

/// The host and port of a `postgres://user:password@host:port/database?options` URL.
fn host_and_port(url: &str) -> Option<(String, u16)> {
    let rest = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://"))?;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host_port)| host_port);
    let (host, port) = match host_port.strip_prefix('[') {
        // [::1]:5432
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']')?;
            (host, after.strip_prefix(':'))
        }
        None => match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        },
    };
    let host = if host.is_empty() { "localhost" } else { host };
    let port = match port {
        Some(port) => port.parse().ok()?,
        None => 5432,
    };
    Some((host.to_owned(), port))
}

/// Whether a Chromium executable is where the tests look for one. The directories are watched,
/// so installing or removing it makes the next build look again.
fn chromium_installed() -> bool {
    let configured = std::env::var("SKILLBASE_CHROMIUM").ok();
    let candidates: Vec<&str> = configured.as_deref().into_iter().chain(CHROMIUM_PATHS).collect();
    let mut watched: Vec<&Path> = Vec::new();
    for dir in candidates.iter().filter_map(|candidate| Path::new(candidate).parent()) {
        if dir.is_dir() && !watched.contains(&dir) {
            println!("cargo:rerun-if-changed={}", dir.display());
            watched.push(dir);
        }
    }
    candidates.iter().any(|candidate| Path::new(candidate).exists())
}

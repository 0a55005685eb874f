//! Log output, set up once at start.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// PostgreSQL's notices (e.g. "relation seaql_migrations already exists, skipping" at every
/// start) are not news to an operator; they show at `warn` unless the filter names them.
const QUIET_NOTICES: &str = "sqlx::postgres::notice=warn";

/// Installs the global subscriber; `RUST_LOG`, when set, overrides the configured filter.
/// Colours only on a terminal: a file or a log collector gets plain text.
/// A second call (tests start many servers) leaves the first in place.
pub fn init(settings: &LogSettings) {
    let directives = std::env::var("RUST_LOG")
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| settings.filter.clone());
    let directives = if directives.contains("sqlx") {
        directives
    } else {
        format!("{QUIET_NOTICES},{directives}")
    };
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match settings.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

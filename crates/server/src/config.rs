//! Configuration in layers: compiled defaults (documented in `config/default.toml`), an
//! optional file, then `COALITION_`-prefixed environment variables with `__` between levels.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use coalition_api::QueryLimits;
use coalition_domain::pagination::PageLimits;
use coalition_store::{Backend, DatabaseSettings};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Every setting of the server.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// The HTTP listener.
    pub server: ServerSettings,
    /// The database.
    pub database: DatabaseConfig,
    /// Limits on GraphQL requests.
    pub graphql: GraphqlSettings,
    /// Logging.
    pub log: LogSettings,
}

/// The HTTP listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address and port to listen on; port 0 picks a free one (logged at start).
    pub bind: SocketAddr,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered 503, in seconds.
    pub request_timeout_secs: u64,
}

/// The database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://data/coalition.db` (the default) or `postgres://user@host/db`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
    /// How long to wait for a pooled connection, in seconds.
    pub acquire_timeout_secs: u64,
    /// How long SQLite waits on a lock, in milliseconds.
    pub sqlite_busy_timeout_ms: u64,
    /// Apply pending migrations when the server starts.
    pub migrate_on_start: bool,
    /// Load the OER Dynamic Coalition when the server starts on an empty database.
    pub seed_on_start: bool,
}

/// Limits on GraphQL requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GraphqlSettings {
    /// Deepest selection nesting accepted.
    pub max_depth: usize,
    /// Highest complexity score accepted.
    pub max_complexity: usize,
    /// Page size of connections when the client names none.
    pub default_page_size: u32,
    /// Largest page a client may ask for.
    pub max_page_size: u32,
    /// Most operations in one batched request (a JSON array).
    pub max_batch_size: usize,
}

/// Logging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// A `tracing` filter, e.g. `info` or `coalition_server=debug,info`.
    pub filter: String,
    /// `text` for people, `json` for log collectors.
    pub format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event.
    Json,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://data/coalition.db".to_owned(),
            max_connections: 8,
            acquire_timeout_secs: 10,
            sqlite_busy_timeout_ms: 5_000,
            migrate_on_start: true,
            seed_on_start: true,
        }
    }
}

impl Default for GraphqlSettings {
    fn default() -> Self {
        let query = QueryLimits::default();
        let page = PageLimits::default();
        Self {
            max_depth: query.max_depth,
            max_complexity: query.max_complexity,
            default_page_size: page.default_size,
            max_page_size: page.max_size,
            max_batch_size: 10,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            filter: "info".to_owned(),
            format: LogFormat::Text,
        }
    }
}

/// A setting that cannot be used; the message names the key and the reason.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Reads the defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::from_figment(Self::figment(file))
    }

    /// The layered sources, for callers that add their own on top (tests).
    pub fn figment(file: Option<&Path>) -> Figment {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment.merge(Env::prefixed("COALITION_").split("__"))
    }

    /// Extracts and checks settings from any figment.
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = figment.extract().map_err(|error| {
            let messages: Vec<String> = error.into_iter().map(describe).collect();
            ConfigError(messages.join("; "))
        })?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, reason: &str| Err(ConfigError(format!("{key}: {reason}")));
        if Backend::from_url(&self.database.url).is_none() {
            return fail(
                "database.url",
                "must start with sqlite:// or postgres:// (e.g. sqlite://data/coalition.db)",
            );
        }
        if self.database.max_connections == 0 {
            return fail("database.max_connections", "must be at least 1");
        }
        if self.server.max_body_bytes < 1024 {
            return fail("server.max_body_bytes", "must be at least 1024");
        }
        if self.server.request_timeout_secs == 0 {
            return fail("server.request_timeout_secs", "must be at least 1");
        }
        if self.graphql.max_page_size == 0 {
            return fail("graphql.max_page_size", "must be at least 1");
        }
        if self.graphql.default_page_size > self.graphql.max_page_size {
            return fail(
                "graphql.default_page_size",
                "must not exceed graphql.max_page_size",
            );
        }
        if self.graphql.max_depth == 0 || self.graphql.max_complexity == 0 {
            return fail("graphql.max_depth", "limits must be at least 1");
        }
        if self.graphql.max_batch_size == 0 {
            return fail("graphql.max_batch_size", "must be at least 1");
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.filter).is_err() {
            return fail("log.filter", "is not a valid tracing filter (e.g. info)");
        }
        Ok(())
    }

    /// The store's view of the database settings.
    pub fn database_settings(&self) -> DatabaseSettings {
        DatabaseSettings {
            url: self.database.url.clone(),
            max_connections: self.database.max_connections,
            acquire_timeout: Duration::from_secs(self.database.acquire_timeout_secs),
            busy_timeout: Duration::from_millis(self.database.sqlite_busy_timeout_ms),
        }
    }

    /// The schema's limits.
    pub fn query_limits(&self) -> QueryLimits {
        QueryLimits {
            max_depth: self.graphql.max_depth,
            max_complexity: self.graphql.max_complexity,
        }
    }

    /// Page limits for connections.
    pub fn page_limits(&self) -> PageLimits {
        PageLimits {
            default_size: self.graphql.default_page_size,
            max_size: self.graphql.max_page_size,
        }
    }
}

/// One figment error as `key: reason (source)`, keys spelled as in the TOML file.
fn describe(error: figment::Error) -> String {
    if error.path.is_empty() {
        // Not about one key (an unreadable file): figment's own text names the source.
        return error.to_string().replace('\n', " ");
    }
    let source = error
        .metadata
        .as_ref()
        .map(|metadata| format!(" (from {})", metadata.name))
        .unwrap_or_default();
    let key = error.path.join(".").to_lowercase();
    format!("{key}: {}{source}", error.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_defaults_match_the_compiled_ones() {
        let documented = include_str!("../../../config/default.toml");
        let parsed: Settings = Figment::new()
            .merge(Toml::string(documented))
            .extract()
            .unwrap();
        assert_eq!(parsed, Settings::default());
    }

    #[test]
    fn bad_values_name_their_key() {
        let figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string("[server]\nbind = \"not-an-address\""));
        let error = Settings::from_figment(figment).unwrap_err().to_string();
        assert!(error.contains("server.bind"), "{error}");

        let figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string("[database]\nurl = \"mysql://x\""));
        let error = Settings::from_figment(figment).unwrap_err().to_string();
        assert!(error.contains("database.url"), "{error}");

        let figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string("[graphql]\nmax_page_size = 0"));
        let error = Settings::from_figment(figment).unwrap_err().to_string();
        assert!(error.contains("graphql.max_page_size"), "{error}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string("[server]\nbnid = \"127.0.0.1:1\""));
        let error = Settings::from_figment(figment).unwrap_err().to_string();
        assert!(error.contains("bnid"), "{error}");
    }
}

//! Configuration in layers: compiled defaults (documented in `config/default.toml`), an
//! optional file, then `COALITION_`-prefixed environment variables with `__` between levels.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use coalition_api::QueryLimits;
use coalition_domain::pagination::PageLimits;
use coalition_domain::sealing::TokenKey;
use coalition_services::accounts::AccountSettings;
use coalition_services::rate_limit::{RateLimits, RateRule};
use coalition_store::{Backend, DatabaseSettings};

use crate::http::WebSocketLimits;
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
    /// Sessions, tokens and password hashing.
    pub accounts: AccountsConfig,
    /// Limits on sign-in, registration and reset attempts.
    pub rate_limits: RateLimitsConfig,
    /// Subscriptions over WebSocket.
    pub websocket: WebSocketConfig,
    /// Redis, for several instances; empty URL = everything in process.
    pub redis: RedisConfig,
    /// Outgoing mail.
    pub mail: MailConfig,
    /// Document files and uploads.
    pub storage: StorageConfig,
    /// Logging.
    pub log: LogSettings,
    /// Prometheus metrics.
    pub metrics: MetricsConfig,
}

/// Prometheus metrics.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serve metrics in the Prometheus text format.
    pub enabled: bool,
    /// A separate address (e.g. `127.0.0.1:9090`) for `/metrics`, out of the public
    /// listener's reach; empty serves `/metrics` on `server.bind`.
    pub bind: String,
}

impl MetricsConfig {
    /// The separate address, when one is set.
    pub fn separate_bind(&self) -> Option<SocketAddr> {
        self.bind.parse().ok()
    }
}

/// Sessions, tokens and password hashing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountsConfig {
    /// A session unused for this many hours ends.
    pub session_idle_timeout_hours: u64,
    /// A session ends this many days after sign-in, however active.
    pub session_lifetime_days: u64,
    /// How long an email verification link works, in hours.
    pub verification_token_hours: u64,
    /// How long a password reset link works, in minutes.
    pub reset_token_minutes: u64,
    /// How long an invitation to join a group works, in days.
    pub invitation_token_days: u64,
    /// The server's public address (built-in pages, unsubscribe, files, feeds); empty:
    /// derived from the address the server actually listens on.
    pub public_url: String,
    /// Password hashes computed at once (0 = one per core).
    pub password_hash_concurrency: usize,
    // Built-in pages (pages and languages): an external frontend, when there is one.
    /// The external frontend's address; links in mails go there when set, to the server's
    /// built-in pages otherwise.
    pub frontend_url: String,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        Self {
            session_idle_timeout_hours: 24 * 7,
            session_lifetime_days: 30,
            verification_token_hours: 48,
            reset_token_minutes: 60,
            invitation_token_days: 14,
            public_url: String::new(),
            password_hash_concurrency: 0,
            frontend_url: String::new(),
        }
    }
}

/// At most `max` attempts per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateRuleConfig {
    /// Attempts allowed in one window.
    pub max: u32,
    /// The window, in seconds.
    pub window_secs: u64,
}

impl RateRuleConfig {
    fn rule(self) -> RateRule {
        RateRule {
            max: self.max,
            window: Duration::from_secs(self.window_secs),
        }
    }
}

/// Limits on attempts, per account and per client address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitsConfig {
    /// Sign-ins per account.
    pub login_per_account: RateRuleConfig,
    /// Sign-ins per client address.
    pub login_per_address: RateRuleConfig,
    /// Registrations per client address.
    pub registration_per_address: RateRuleConfig,
    /// Reset requests and resets per account.
    pub reset_per_account: RateRuleConfig,
    /// Reset requests and resets per client address.
    pub reset_per_address: RateRuleConfig,
}

impl Default for RateLimitsConfig {
    fn default() -> Self {
        let rule = |max, window_secs| RateRuleConfig { max, window_secs };
        Self {
            login_per_account: rule(10, 900),
            login_per_address: rule(50, 900),
            registration_per_address: rule(10, 3600),
            reset_per_account: rule(5, 3600),
            reset_per_address: rule(20, 3600),
        }
    }
}

/// Subscriptions over WebSocket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSocketConfig {
    /// Seconds a client has to send `connection_init`.
    pub init_timeout_secs: u64,
    /// Seconds between the server's pings.
    pub ping_interval_secs: u64,
    /// Most operations one connection may run at once.
    pub max_subscriptions: usize,
    /// Origins (e.g. `https://coalition.example.org`) allowed to open a socket from a
    /// browser; empty allows the server's own host only. `*` allows any.
    pub allowed_origins: Vec<String>,
    /// Seconds between checks of a connection's session against the database (a session
    /// that ended is also noticed at once from the event bus; this catches a lost event).
    pub session_check_secs: u64,
    /// Most WebSocket connections the instance keeps open (over it, 503).
    pub max_connections: usize,
    /// Most WebSocket connections from one client address (over it, 429).
    pub max_connections_per_client: usize,
}

impl Default for WebSocketConfig {
    fn default() -> Self {
        Self {
            init_timeout_secs: 10,
            ping_interval_secs: 15,
            max_subscriptions: 50,
            allowed_origins: Vec::new(),
            session_check_secs: 30,
            max_connections: 10_000,
            max_connections_per_client: 100,
        }
    }
}

/// Redis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// `redis://host:port`; empty keeps rate limits (and, later, the event bus) in process.
    pub url: String,
    /// Prefix of every key, so several deployments can share a server.
    pub key_prefix: String,
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            key_prefix: "coalition:".to_owned(),
        }
    }
}

/// Outgoing mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// Sender, as `Name <address>`.
    pub from: String,
    /// lettre's SMTP URL (`smtp://host:2525`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://host`); empty writes `.eml` files to `file_dir` instead.
    pub smtp_url: String,
    /// Folder where the embedded default writes each message as an `.eml` file.
    pub file_dir: String,
    /// Seconds an SMTP command may take.
    pub smtp_timeout_secs: u64,
    /// Seconds a worker holds a claimed message before another may take it over; 0
    /// derives it from `smtp_timeout_secs` (eight commands' worth, at least a minute).
    pub lease_secs: u64,
    /// Run the delivery worker inside the server (`coalition mail-worker` runs it alone).
    pub worker: bool,
    /// Attempts before a message is marked failed.
    pub max_attempts: u32,
    /// Wait after the first failed attempt, in seconds; doubles each time, with jitter.
    pub backoff_base_secs: u64,
    /// Longest wait between attempts, in seconds.
    pub backoff_cap_secs: u64,
    /// How often the worker looks for due messages, in milliseconds.
    pub poll_interval_ms: u64,
    /// Local hour (0–23, in each recipient's time zone) at which daily digests go out.
    pub digest_hour: u32,
    /// How long before each meeting its reminder goes out, in minutes.
    pub reminder_lead_minutes: u64,
    /// Seals the one-time tokens of queued mail (base64 of 32 bytes). Every instance
    /// sharing a database must have the same; empty uses the key in `token_key_file`.
    pub token_key: Secret,
    /// Where a single instance keeps the key it generated when `token_key` is empty
    /// (created with mode 0600, kept across restarts).
    pub token_key_file: String,
}

/// A setting kept out of logs and debug output.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether none is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "Secret(unset)"
        } else {
            "Secret(..)"
        })
    }
}

impl MailConfig {
    /// The claim lease in seconds: `lease_secs`, or when 0 one derived from the timeout. A
    /// send is several SMTP commands, each allowed the timeout; the worker renews the lease
    /// before each message, so this bounds one send, not a batch.
    pub fn lease_secs(&self) -> u64 {
        if self.lease_secs > 0 {
            self.lease_secs
        } else {
            self.smtp_timeout_secs.saturating_mul(8).max(60)
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            from: "OER Dynamic Coalition <no-reply@coalition.localhost>".to_owned(),
            smtp_url: String::new(),
            file_dir: "data/mail".to_owned(),
            smtp_timeout_secs: 30,
            lease_secs: 0,
            worker: true,
            max_attempts: 8,
            backoff_base_secs: 30,
            backoff_cap_secs: 3600,
            poll_interval_ms: 1000,
            digest_hour: 8,
            reminder_lead_minutes: 24 * 60,
            token_key: Secret::default(),
            token_key_file: "data/mail-token.key".to_owned(),
        }
    }
}

/// Document files and uploads.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// Folder of the local file store (content-addressed by SHA-256).
    pub dir: String,
    /// Largest file an upload may carry, in bytes (413 beyond).
    pub max_upload_bytes: u64,
    /// Key that signs download links; empty: a random key per process (links then work
    /// only on the instance that made them, until it restarts).
    pub link_secret: String,
    /// How long a signed download link works, in seconds.
    pub link_ttl_secs: u64,
    /// Longest an upload (a multipart request) or a download may take, in seconds: the
    /// request timeout would cut big files on slow links.
    pub transfer_timeout_secs: u64,
    /// `s3://BUCKET[/PREFIX]` keeps files in an S3-compatible store instead of `dir`
    /// (which then holds only uploads being received); empty keeps them in `dir`.
    pub url: String,
    /// The S3-compatible service's address when it is not AWS, e.g.
    /// `http://127.0.0.1:9000` (requests then name the bucket in the path).
    pub endpoint: String,
    /// The bucket's region; empty: `AWS_REGION` / `AWS_DEFAULT_REGION`, else us-east-1.
    pub region: String,
    /// The access key; empty: `AWS_ACCESS_KEY_ID`, else the instance's role.
    pub access_key_id: String,
    /// The secret key; empty: `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Secret,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            dir: "data/files".to_owned(),
            max_upload_bytes: 50 * 1024 * 1024,
            link_secret: String::new(),
            link_ttl_secs: 900,
            transfer_timeout_secs: 900,
            url: String::new(),
            endpoint: String::new(),
            region: String::new(),
            access_key_id: String::new(),
            secret_access_key: Secret::default(),
        }
    }
}

impl std::fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The link secret is never printed.
        f.debug_struct("StorageConfig")
            .field("dir", &self.dir)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("link_secret", &"…")
            .field("link_ttl_secs", &self.link_ttl_secs)
            .field("transfer_timeout_secs", &self.transfer_timeout_secs)
            .field("url", &self.url)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .finish()
    }
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
    /// On SIGTERM or Ctrl-C, how long requests in flight, closing WebSockets and the mail
    /// worker's current message may take before the process stops anyway, in seconds.
    pub shutdown_grace_secs: u64,
    /// Behind a reverse proxy: take the client address (for rate limits) from the last
    /// entry of `X-Forwarded-For`, which the proxy appends. Leave off when clients connect
    /// directly, or they could claim any address.
    pub trust_forwarded_for: bool,
    /// Origins (e.g. `https://coalition.example.org`) whose pages may call the API from a
    /// browser (CORS); empty sends no CORS headers; `*` allows any.
    pub cors_allowed_origins: Vec<String>,
    /// Let those pages send cookies and HTTP authentication (not needed for bearer tokens).
    pub cors_allow_credentials: bool,
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
    /// PostgreSQL: the longest one statement may run, in seconds (0 = no limit).
    pub statement_timeout_secs: u64,
    /// How long start-up keeps retrying a database that does not answer, in seconds,
    /// before giving up (a database that starts after the server, as in a fresh deployment).
    pub connect_retry_secs: u64,
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
    /// Highest cost accepted for one operation or a batch (lists count once per item).
    pub max_complexity: usize,
    /// Most aliased fields in one operation (aliases repeat work, e.g. a mutation that
    /// hashes a password, without deepening the query).
    pub max_aliases: usize,
    /// Page size of connections when the client names none.
    pub default_page_size: u32,
    /// Largest page a client may ask for.
    pub max_page_size: u32,
    /// Most operations in one batched request (a JSON array).
    pub max_batch_size: usize,
    /// Bytes of query text kept for automatic persisted queries; 0 turns them off.
    pub persisted_queries_bytes: usize,
    /// Answer introspection (`__schema`, `__type`); tools and GraphiQL need it.
    pub introspection: bool,
    /// Serve GraphiQL to browsers at `/graphql`.
    pub graphiql: bool,
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
            shutdown_grace_secs: 30,
            trust_forwarded_for: false,
            cors_allowed_origins: Vec::new(),
            cors_allow_credentials: false,
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
            statement_timeout_secs: 30,
            connect_retry_secs: 30,
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
            max_aliases: query.max_aliases,
            default_page_size: page.default_size,
            max_page_size: page.max_size,
            max_batch_size: 10,
            persisted_queries_bytes: 4 * 1024 * 1024,
            introspection: query.introspection,
            graphiql: true,
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
        for (key, limit) in [
            ("graphql.max_depth", self.graphql.max_depth),
            ("graphql.max_complexity", self.graphql.max_complexity),
            ("graphql.max_aliases", self.graphql.max_aliases),
        ] {
            if limit == 0 {
                return fail(key, "must be at least 1");
            }
        }
        if self.storage.max_upload_bytes == 0
            || self.storage.link_ttl_secs == 0
            || self.storage.transfer_timeout_secs == 0
        {
            return fail(
                "storage.max_upload_bytes",
                "the upload limit, the link lifetime and the transfer timeout must be at least 1",
            );
        }
        if self.graphql.max_batch_size == 0 {
            return fail("graphql.max_batch_size", "must be at least 1");
        }
        if self.accounts.session_idle_timeout_hours == 0 || self.accounts.session_lifetime_days == 0
        {
            return fail(
                "accounts.session_idle_timeout_hours",
                "session lifetimes must be at least 1",
            );
        }
        for (key, rule) in [
            (
                "rate_limits.login_per_account",
                self.rate_limits.login_per_account,
            ),
            (
                "rate_limits.login_per_address",
                self.rate_limits.login_per_address,
            ),
            (
                "rate_limits.registration_per_address",
                self.rate_limits.registration_per_address,
            ),
            (
                "rate_limits.reset_per_account",
                self.rate_limits.reset_per_account,
            ),
            (
                "rate_limits.reset_per_address",
                self.rate_limits.reset_per_address,
            ),
        ] {
            if rule.max == 0 || rule.window_secs == 0 {
                return fail(key, "max and window_secs must be at least 1");
            }
        }
        if self.websocket.init_timeout_secs == 0
            || self.websocket.ping_interval_secs == 0
            || self.websocket.session_check_secs == 0
        {
            return fail(
                "websocket.init_timeout_secs",
                "timeouts must be at least 1 second",
            );
        }
        for (key, value) in [
            (
                "websocket.max_subscriptions",
                self.websocket.max_subscriptions,
            ),
            ("websocket.max_connections", self.websocket.max_connections),
            (
                "websocket.max_connections_per_client",
                self.websocket.max_connections_per_client,
            ),
        ] {
            if value == 0 {
                return fail(key, "must be at least 1");
            }
        }
        if !self.redis.url.is_empty()
            && !self.redis.url.starts_with("redis://")
            && !self.redis.url.starts_with("rediss://")
        {
            return fail(
                "redis.url",
                "must be empty or start with redis:// or rediss://",
            );
        }
        if self.mail.max_attempts == 0 || self.mail.poll_interval_ms == 0 {
            return fail(
                "mail.max_attempts",
                "attempts and poll interval must be at least 1",
            );
        }
        if self.mail.digest_hour > 23 {
            return fail("mail.digest_hour", "must be an hour from 0 to 23");
        }
        if self.mail.backoff_cap_secs < self.mail.backoff_base_secs {
            return fail(
                "mail.backoff_cap_secs",
                "must not be below mail.backoff_base_secs",
            );
        }
        if !self.mail.smtp_url.is_empty()
            && coalition_mail::SmtpTransport::check_url(&self.mail.smtp_url).is_err()
        {
            return fail(
                "mail.smtp_url",
                "is not an SMTP URL (e.g. smtp://127.0.0.1:2525)",
            );
        }
        if !self.mail.token_key.is_empty()
            && TokenKey::from_base64(self.mail.token_key.expose()).is_err()
        {
            return fail(
                "mail.token_key",
                "must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)",
            );
        }
        if self.mail.token_key.is_empty() && self.mail.token_key_file.is_empty() {
            return fail(
                "mail.token_key_file",
                "must name a file when mail.token_key is empty",
            );
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return fail(
                "mail.from",
                "must be an address such as `Coalition <no-reply@example.org>`",
            );
        }
        for origin in &self.server.cors_allowed_origins {
            if origin != "*" && axum::http::HeaderValue::from_str(origin).is_err() {
                return fail(
                    "server.cors_allowed_origins",
                    "each must be an origin such as https://coalition.example.org, or *",
                );
            }
        }
        if self.server.cors_allow_credentials
            && self
                .server
                .cors_allowed_origins
                .iter()
                .any(|origin| origin == "*")
        {
            return fail(
                "server.cors_allow_credentials",
                "cannot be used with the origin *: name the origins",
            );
        }
        if !self.metrics.bind.is_empty() && self.metrics.separate_bind().is_none() {
            return fail(
                "metrics.bind",
                "must be empty or an address such as 127.0.0.1:9090",
            );
        }
        for (key, url) in [
            ("accounts.public_url", &self.accounts.public_url),
            ("accounts.frontend_url", &self.accounts.frontend_url),
        ] {
            if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
                return fail(key, "must be empty or an http:// or https:// address");
            }
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
            statement_timeout: (self.database.statement_timeout_secs > 0)
                .then(|| Duration::from_secs(self.database.statement_timeout_secs)),
        }
    }

    /// The schema's limits.
    pub fn query_limits(&self) -> QueryLimits {
        QueryLimits {
            max_depth: self.graphql.max_depth,
            max_complexity: self.graphql.max_complexity,
            max_page_size: usize::try_from(self.graphql.max_page_size).unwrap_or(usize::MAX),
            max_aliases: self.graphql.max_aliases,
            introspection: self.graphql.introspection,
        }
    }

    /// Where the S3-compatible store is, for `storage.url`.
    pub fn s3_options(&self) -> coalition_services::documents::S3Options {
        coalition_services::documents::S3Options {
            url: self.storage.url.clone(),
            endpoint: self.storage.endpoint.clone(),
            region: self.storage.region.clone(),
            access_key_id: self.storage.access_key_id.clone(),
            secret_access_key: self.storage.secret_access_key.expose().to_owned(),
        }
    }

    /// Lifetimes, links and the token key for the account use cases.
    pub fn account_settings(&self, token_key: TokenKey) -> AccountSettings {
        let hours = |h: u64| chrono::Duration::hours(i64::try_from(h).unwrap_or(i64::MAX / 7200));
        let minutes =
            |m: u64| chrono::Duration::minutes(i64::try_from(m).unwrap_or(i64::MAX / 120_000));
        AccountSettings {
            session_idle_timeout: hours(self.accounts.session_idle_timeout_hours),
            session_lifetime: hours(self.accounts.session_lifetime_days.saturating_mul(24)),
            verification_lifetime: hours(self.accounts.verification_token_hours),
            reset_lifetime: minutes(self.accounts.reset_token_minutes),
            invitation_lifetime: hours(self.accounts.invitation_token_days.saturating_mul(24)),
            public_url: self.links_url(),
            token_key,
            server_url: self.server_url(),
        }
    }

    /// The server's public address: `accounts.public_url`, or when empty the listening
    /// address (a wildcard one read as loopback).
    pub fn server_url(&self) -> String {
        if !self.accounts.public_url.is_empty() {
            return self.accounts.public_url.trim_end_matches('/').to_owned();
        }
        let mut address = self.server.bind;
        if address.ip().is_unspecified() {
            address.set_ip(if address.is_ipv6() {
                std::net::Ipv6Addr::LOCALHOST.into()
            } else {
                std::net::Ipv4Addr::LOCALHOST.into()
            });
        }
        format!("http://{address}")
    }

    /// Where links in mails point: the external frontend when configured, else the
    /// server's built-in pages.
    pub fn links_url(&self) -> String {
        if self.accounts.frontend_url.is_empty() {
            self.server_url()
        } else {
            self.accounts.frontend_url.trim_end_matches('/').to_owned()
        }
    }

    /// These settings once the server listens on `local`: a port chosen by the system
    /// (port 0) becomes part of the derived public address.
    pub fn listening_on(&self, local: std::net::SocketAddr) -> Self {
        let mut settings = self.clone();
        settings.server.bind = local;
        settings
    }

    /// The WebSocket limits.
    pub fn websocket_limits(&self) -> WebSocketLimits {
        WebSocketLimits {
            init_timeout: Duration::from_secs(self.websocket.init_timeout_secs),
            ping_interval: Duration::from_secs(self.websocket.ping_interval_secs),
            max_subscriptions: self.websocket.max_subscriptions,
            allowed_origins: self.websocket.allowed_origins.clone(),
            max_message_bytes: self.server.max_body_bytes,
            session_check: Duration::from_secs(self.websocket.session_check_secs),
            admission: std::sync::Arc::new(crate::http::Admission::new(
                self.websocket.max_connections,
                self.websocket.max_connections_per_client,
            )),
        }
    }

    /// The configured attempt limits.
    pub fn rate_limits(&self) -> RateLimits {
        let limits = &self.rate_limits;
        RateLimits {
            login_per_account: limits.login_per_account.rule(),
            login_per_address: limits.login_per_address.rule(),
            registration_per_address: limits.registration_per_address.rule(),
            reset_per_account: limits.reset_per_account.rule(),
            reset_per_address: limits.reset_per_address.rule(),
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
    fn the_mail_lease_is_the_configured_one_or_derived_from_the_timeout() {
        let mut mail = MailConfig::default();
        assert_eq!(mail.lease_secs(), 240);
        mail.smtp_timeout_secs = 2;
        assert_eq!(mail.lease_secs(), 60);
        mail.lease_secs = 6;
        assert_eq!(mail.lease_secs(), 6);
    }

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
    fn the_production_example_is_valid() {
        let example = include_str!("../../../config/production.example.toml");
        let figment =
            Figment::from(Serialized::defaults(Settings::default())).merge(Toml::string(example));
        let settings = Settings::from_figment(figment).unwrap();
        assert!(settings.metrics.enabled && settings.server.trust_forwarded_for);
        assert!(
            !settings.database.migrate_on_start,
            "migrations run before the roll"
        );
    }

    #[test]
    fn a_token_key_must_be_32_bytes_of_base64_and_stays_out_of_logs() {
        let with_key = |key: &str| {
            let figment = Figment::from(Serialized::defaults(Settings::default()))
                .merge(Toml::string(&format!("[mail]\ntoken_key = \"{key}\"")));
            Settings::from_figment(figment)
        };
        let error = with_key("c2hvcnQ=").unwrap_err().to_string();
        assert!(error.contains("mail.token_key"), "{error}");
        let key = TokenKey::generate().to_base64();
        let settings = with_key(&key).unwrap();
        assert!(!format!("{settings:?}").contains(&key), "redacted in Debug");
    }

    #[test]
    fn cors_credentials_need_named_origins() {
        let figment = Figment::from(Serialized::defaults(Settings::default())).merge(Toml::string(
            "[server]\ncors_allowed_origins = [\"*\"]\ncors_allow_credentials = true",
        ));
        let error = Settings::from_figment(figment).unwrap_err().to_string();
        assert!(error.contains("server.cors_allow_credentials"), "{error}");
        let figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string("[metrics]\nbind = \"not an address\""));
        let error = Settings::from_figment(figment).unwrap_err().to_string();
        assert!(error.contains("metrics.bind"), "{error}");
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

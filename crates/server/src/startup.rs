//! Start-up: open the store, migrate and seed as configured, bind and serve.

use std::net::SocketAddr;
use std::time::Duration;

use coalition_api::{ApiContext, build_schema};
use std::sync::Arc;

use coalition_domain::Clock;
use coalition_domain::notifications::Backoff;
use coalition_domain::sealing::TokenKey;
use coalition_mail::{
    FileTransport, MailTransport, MailWorker, Renderer, SmtpTransport, WorkerSettings,
};
use coalition_services::Services;
use coalition_services::documents::{DownloadLinks, LinkKey, ObjectBlobStore};
use coalition_services::live::{EventBus, InProcessBus, RedisBus};
use coalition_services::passwords::{HashCost, PasswordHasher};
use coalition_services::rate_limit::{MemoryRateLimiter, RateLimiter, RedisRateLimiter};
use coalition_store::{Store, StoreError};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::http::{
    AppState, HttpLimits, OpenSockets, ShutdownSignal, UploadLimits, metrics_router, router,
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened, migrated or seeded.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// A component could not be set up; the text names the setting.
    #[error("{0}")]
    Setup(String),
    /// The database did not answer within `database.connect_retry_secs`.
    #[error("database unreachable after {waited_secs} s of retries ({reason}); check database.url")]
    DatabaseUnreachable {
        /// How long start-up retried.
        waited_secs: u64,
        /// The last failure, in one line.
        reason: String,
    },
    /// The listening address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The configured address.
        address: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl StartError {
    /// The process exit code: 2 for what the operator must fix in the configuration or
    /// environment (as for a bad setting), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            StartError::DatabaseUnreachable { .. } | StartError::Setup(_) => 2,
            StartError::Store(StoreError::Corrupt { .. }) => 2,
            StartError::Store(_) | StartError::Bind { .. } => 1,
        }
    }
}

/// Opens the store (waiting for a database that is not up yet) and applies the configured
/// start-up steps (migrate, seed when empty). Every "now" the store reads comes from `clock`.
pub async fn prepare_store(settings: &Settings, clock: &Clock) -> Result<Store, StartError> {
    let store = connect_store(settings).await?.with_clock(clock.clone());
    if settings.database.migrate_on_start {
        store.migrate().await?;
    }
    if settings.database.seed_on_start && !store.is_seeded().await? {
        let report = store.seed().await?;
        tracing::info!(
            areas = report.areas,
            working_groups = report.working_groups,
            "seeded the OER Dynamic Coalition"
        );
    }
    if settings.database.seed_on_start {
        tell_how_to_create_an_administrator(&store).await?;
    }
    Ok(store)
}

/// The command that creates the first administrator, as start-up and `coalition seed`
/// print it while the coalition has none.
pub const CREATE_ADMIN_HINT: &str = "no administrator yet: create the first with `echo 'a long passphrase' | coalition create-admin --email you@example.org` (or `cargo run --bin coalition -- create-admin ...`; an existing account is promoted, a new one takes its password from standard input); see the README's quick start";

/// Logs [`CREATE_ADMIN_HINT`] when no enabled account administers the coalition: the seeded
/// groups have no coordinator, so nobody could approve anyone until there is one.
pub async fn tell_how_to_create_an_administrator(store: &Store) -> Result<(), StartError> {
    if store.administrator_count().await? == 0 {
        tracing::warn!("{CREATE_ADMIN_HINT}");
    }
    Ok(())
}

/// Opens the pool and checks that the database answers, retrying with backoff (250 ms
/// doubling to 5 s) for `database.connect_retry_secs`.
async fn connect_store(settings: &Settings) -> Result<Store, StartError> {
    let retry_for = Duration::from_secs(settings.database.connect_retry_secs);
    let deadline = tokio::time::Instant::now() + retry_for;
    let mut delay = Duration::from_millis(250);
    loop {
        let attempt = async {
            let store = Store::connect(&settings.database_settings()).await?;
            store.ping().await?;
            Ok::<_, StoreError>(store)
        };
        let error = match attempt.await {
            Ok(store) => return Ok(store),
            // A URL we cannot use will not get better by waiting.
            Err(error @ StoreError::Corrupt { .. }) => return Err(error.into()),
            Err(error) => error,
        };
        let reason = one_line(&error.to_string());
        if tokio::time::Instant::now() + delay > deadline {
            return Err(StartError::DatabaseUnreachable {
                waited_secs: retry_for.as_secs(),
                reason,
            });
        }
        tracing::warn!(%reason, retry_in_ms = delay.as_millis(), "database unreachable; retrying");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// The first line of a message, so a log line or exit message stays on one line.
fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}

/// Builds the use cases over `store`: password hasher, mailer, rate limiter, event bus.
pub async fn build_services(
    settings: &Settings,
    store: Store,
    redis: Option<&RedisConnection>,
) -> Result<Services, StartError> {
    let passwords =
        PasswordHasher::new(HashCost::OWASP, settings.accounts.password_hash_concurrency)
            .map_err(|error| StartError::Setup(error.to_string()))?;
    let prefix = settings.redis.key_prefix.clone();
    let (rate_limiter, events): (Arc<dyn RateLimiter>, Arc<dyn EventBus>) = match redis {
        Some(redis) => (
            Arc::new(RedisRateLimiter::new(redis.manager.clone(), prefix.clone())),
            Arc::new(RedisBus::start(redis.client.clone(), redis.manager.clone(), &prefix).await),
        ),
        None => (
            Arc::new(MemoryRateLimiter::default()),
            Arc::new(InProcessBus::default()),
        ),
    };
    let blobs = if settings.storage.url.is_empty() {
        ObjectBlobStore::local(std::path::Path::new(&settings.storage.dir))
            .map_err(|error| StartError::Setup(format!("storage.dir: {error}")))?
    } else {
        ObjectBlobStore::s3(&settings.s3_options())
            .map_err(|error| StartError::Setup(format!("storage.url: {error}")))?
    };
    let key = LinkKey::new(&settings.storage.link_secret).unwrap_or_else(LinkKey::random);
    let lifetime =
        chrono::Duration::seconds(i64::try_from(settings.storage.link_ttl_secs).unwrap_or(900));
    Ok(Services {
        store,
        passwords,
        events,
        rate_limiter,
        rate_limits: settings.rate_limits(),
        accounts: settings.account_settings(load_token_key(settings)?),
        blobs: Arc::new(blobs),
        links: DownloadLinks::new(key, lifetime, &settings.server_url()),
    })
}

/// A Redis server: the client (for pub/sub) and a managed connection (for commands).
#[derive(Clone)]
pub struct RedisConnection {
    /// Opens new connections (the event bus's subscriber).
    pub client: redis::Client,
    /// Reconnects on its own.
    pub manager: ConnectionManager,
}

/// The Redis connection when one is configured. It connects lazily and reconnects on its
/// own, so a Redis that is down at start-up leaves the server running, degraded (live
/// updates stay local, `/readyz` says so), until Redis comes.
pub fn connect_redis(settings: &Settings) -> Result<Option<RedisConnection>, StartError> {
    if settings.redis.url.is_empty() {
        return Ok(None);
    }
    let client = redis::Client::open(settings.redis.url.as_str())
        .map_err(|error| StartError::Setup(format!("redis.url: {error}")))?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_millis(500));
    let manager = ConnectionManager::new_lazy_with_config(client.clone(), config)
        .map_err(|error| StartError::Setup(format!("redis.url: {error}")))?;
    Ok(Some(RedisConnection { client, manager }))
}

/// The outbox delivery worker the settings describe: SMTP when `mail.smtp_url` is set,
/// `.eml` files otherwise.
pub fn build_mail_worker(settings: &Settings, store: Store) -> Result<MailWorker, StartError> {
    let mail = &settings.mail;
    let transport: Arc<dyn MailTransport> = if mail.smtp_url.is_empty() {
        Arc::new(
            FileTransport::new(&mail.file_dir)
                .map_err(|error| StartError::Setup(format!("mail.file_dir: {error}")))?,
        )
    } else {
        Arc::new(
            SmtpTransport::from_url(&mail.smtp_url, Duration::from_secs(mail.smtp_timeout_secs))
                .map_err(|error| StartError::Setup(format!("mail.smtp_url: {error}")))?,
        )
    };
    let renderer = Renderer::new(&settings.links_url())
        .map_err(|error| StartError::Setup(error.to_string()))?
        .with_server_url(&settings.server_url());
    let from = mail
        .from
        .parse()
        .map_err(|error| StartError::Setup(format!("mail.from: {error}")))?;
    Ok(MailWorker::new(
        store,
        transport,
        renderer,
        WorkerSettings {
            from,
            max_attempts: mail.max_attempts,
            backoff: Backoff {
                base: Duration::from_secs(mail.backoff_base_secs),
                cap: Duration::from_secs(mail.backoff_cap_secs),
            },
            poll_interval: Duration::from_millis(mail.poll_interval_ms),
            lease: Duration::from_secs(mail.lease_secs()),
            batch: 20,
            digest_hour: mail.digest_hour,
            token_key: load_token_key(settings)?,
        },
    ))
}

/// The key that seals one-time tokens in queued mail: `mail.token_key` when set, else the
/// one kept in `mail.token_key_file`, generated (mode 0600) on first start so that mail
/// queued before a restart still sends.
pub fn load_token_key(settings: &Settings) -> Result<TokenKey, StartError> {
    let mail = &settings.mail;
    if !mail.token_key.is_empty() {
        return TokenKey::from_base64(mail.token_key.expose())
            .map_err(|error| StartError::Setup(error.to_string()));
    }
    let path = std::path::Path::new(&mail.token_key_file);
    let setup = |error: &dyn std::fmt::Display| {
        StartError::Setup(format!("mail.token_key_file ({}): {error}", path.display()))
    };
    let read = || -> Result<Option<TokenKey>, StartError> {
        match std::fs::read_to_string(path) {
            Ok(text) => TokenKey::from_base64(&text)
                .map(Some)
                .map_err(|e| setup(&e)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(setup(&error)),
        }
    };
    if let Some(key) = read()? {
        return Ok(key);
    }
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| setup(&e))?;
    }
    // Written whole to a private file, then linked into place: a second process starting
    // at the same time (server and mail worker) either wins or reads the winner's key.
    let key = TokenKey::generate();
    let draft = path.with_extension(format!("{}.draft", std::process::id()));
    write_private(&draft, &key.to_base64()).map_err(|e| setup(&e))?;
    let linked = std::fs::hard_link(&draft, path);
    let _ = std::fs::remove_file(&draft);
    match linked {
        Ok(()) => {
            tracing::info!(file = %path.display(), "generated the key that seals mailed tokens");
            Ok(key)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            read()?.ok_or_else(|| setup(&"vanished while starting"))
        }
        Err(error) => Err(setup(&error)),
    }
}

/// Creates `path` readable by its owner only, holding `text`.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Queues meeting reminders once a minute until shut down.
async fn remind(services: Services, lead: chrono::Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(error) = services.send_meeting_reminders(services.now(), lead).await {
            tracing::error!(%error, "meeting reminders not queued");
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// A server accepting connections in the background.
pub struct RunningServer {
    /// Where it actually listens (port 0 resolved).
    pub local_addr: SocketAddr,
    events: Arc<dyn EventBus>,
    live_feeds: Arc<crate::http::LiveFeeds>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    /// The stop switch of the background tasks and the open WebSockets.
    workers: watch::Sender<bool>,
    /// The mail worker and the reminders, awaited at shutdown.
    background: Vec<JoinHandle<()>>,
    sockets: OpenSockets,
    grace: Duration,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl RunningServer {
    /// How many live subscriptions listen on this server now (tests wait on it instead of
    /// sleeping before they publish).
    pub fn live_subscribers(&self) -> usize {
        // One bus receiver per feed, and the feeds' other subscribers.
        self.events.subscriber_count() + self.live_feeds.shared_subscribers()
    }

    /// Stops accepting; lets requests in flight finish, WebSockets close with 1001 and the
    /// mail worker finish its current message, within `server.shutdown_grace_secs`; then
    /// cuts what is left.
    pub async fn shutdown(mut self) {
        let _ = self.workers.send(true);
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let deadline = tokio::time::Instant::now() + self.grace;
        match tokio::time::timeout_at(deadline, &mut self.task).await {
            Ok(Ok(Err(error))) => tracing::error!(%error, "server stopped with an error"),
            Err(_) => {
                tracing::warn!("shutdown grace elapsed: requests still running were cut");
                self.task.abort();
            }
            Ok(_) => {}
        }
        if tokio::time::timeout_at(deadline, self.sockets.all_closed())
            .await
            .is_err()
        {
            tracing::warn!(
                open = self.sockets.count(),
                "shutdown grace elapsed: WebSockets cut"
            );
        }
        for mut task in self.background.drain(..) {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                tracing::warn!("shutdown grace elapsed: a background task was cut");
                task.abort();
            }
        }
    }

    /// Waits until the server stops on its own (an I/O failure).
    pub async fn wait(&mut self) -> std::io::Result<()> {
        match (&mut self.task).await {
            Ok(result) => result,
            Err(join) => Err(std::io::Error::other(join)),
        }
    }
}

/// Binds `address`; returns the listener and where it listens (port 0 resolved).
async fn listen_on(address: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let bind_error = |source| StartError::Bind { address, source };
    let listener = TcpListener::bind(address).await.map_err(bind_error)?;
    let local = listener.local_addr().map_err(bind_error)?;
    Ok((listener, local))
}

/// Prepares the store, binds the configured address and serves in the background; `clock`
/// is the server's "now" (the system clock outside tests).
pub async fn start(settings: &Settings, clock: Clock) -> Result<RunningServer, StartError> {
    let texts = crate::texts::texts()
        .map_err(|error| StartError::Setup(format!("page texts and labels: {error}")))?;
    // Bound first: links in mails and pages derive from the port actually listened on.
    let (listener, local_addr) = listen_on(settings.server.bind).await?;
    let settings = &settings.listening_on(local_addr);
    let store = prepare_store(settings, &clock).await?;
    let redis = connect_redis(settings)?;
    let services = build_services(settings, store.clone(), redis.as_ref()).await?;
    let schema = build_schema(
        ApiContext {
            store: store.clone(),
            services: services.clone(),
            page_limits: settings.page_limits(),
            texts,
        },
        settings.query_limits(),
    );
    let (workers, stop_workers) = watch::channel(false);
    let mut background = Vec::new();
    let state = AppState {
        schema,
        store,
        services,
        redis: redis.map(|redis| redis.manager),
        max_batch_size: settings.graphql.max_batch_size,
        query_limits: settings.query_limits(),
        live_feeds: std::sync::Arc::default(),
        persisted_queries: std::sync::Arc::new(crate::http::PersistedQueries::new(
            settings.graphql.persisted_queries_bytes,
        )),
        websocket: settings.websocket_limits(),
        trust_forwarded_for: settings.server.trust_forwarded_for,
        shutdown: ShutdownSignal::new(stop_workers.clone()),
        sockets: OpenSockets::default(),
        max_connections: settings.database.max_connections,
        graphiql: settings.graphql.graphiql,
        uploads: UploadLimits {
            max_file_bytes: settings.storage.max_upload_bytes,
            spool_dir: std::path::PathBuf::from(&settings.storage.dir),
        },
        max_json_bytes: settings.server.max_body_bytes,
    };
    let metrics = settings.metrics.enabled && crate::metrics::install().is_some();
    let separate_metrics = settings.metrics.separate_bind().filter(|_| metrics);
    let limits = HttpLimits {
        max_body_bytes: settings.server.max_body_bytes,
        request_timeout: Duration::from_secs(settings.server.request_timeout_secs),
        transfer_timeout: Duration::from_secs(settings.storage.transfer_timeout_secs),
        metrics_route: metrics && separate_metrics.is_none(),
        metrics,
        cors_allowed_origins: settings.server.cors_allowed_origins.clone(),
        cors_allow_credentials: settings.server.cors_allow_credentials,
        graphiql: settings.graphql.graphiql,
    };
    if let Some(address) = separate_metrics {
        let (listener, local) = listen_on(address).await?;
        tracing::info!("metrics on http://{local}/metrics");
        let app = metrics_router(state.clone());
        let mut stopping = ShutdownSignal::new(stop_workers.clone());
        background.push(tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stopping.requested().await })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "metrics listener failed");
            }
        }));
    }
    if settings.mail.worker {
        let worker = build_mail_worker(settings, state.store.clone())?;
        background.push(tokio::spawn(worker.run(stop_workers.clone())));
        let lead = chrono::Duration::minutes(
            i64::try_from(settings.mail.reminder_lead_minutes).unwrap_or(24 * 60),
        );
        background.push(tokio::spawn(remind(
            state.services.clone(),
            lead,
            stop_workers,
        )));
    }
    tracing::info!("listening on http://{local_addr}");
    let (shutdown, shutdown_signal) = oneshot::channel::<()>();
    let events = state.services.events.clone();
    let live_feeds = state.live_feeds.clone();
    let sockets = state.sockets.clone();
    let app = router(state, limits);
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = shutdown_signal.await;
        })
        .await
    });
    Ok(RunningServer {
        local_addr,
        events,
        live_feeds,
        shutdown: Some(shutdown),
        task,
        workers,
        background,
        sockets,
        grace: Duration::from_secs(settings.server.shutdown_grace_secs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without a configured key, the first start generates one, private to its owner, and
    /// later starts (and a worker started beside) read the same one back.
    #[test]
    fn a_generated_token_key_is_kept_private_across_restarts() {
        let dir = std::env::temp_dir().join(format!("coalition-key-{}", std::process::id()));
        let mut settings = Settings::default();
        settings.mail.token_key_file = dir.join("keys/mail-token.key").display().to_string();
        let first = load_token_key(&settings).unwrap();
        assert_eq!(load_token_key(&settings).unwrap(), first, "kept");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&settings.mail.token_key_file)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A configured key wins over the file.
        let configured = TokenKey::generate();
        settings.mail.token_key = crate::config::Secret::new(configured.to_base64());
        assert_eq!(load_token_key(&settings).unwrap(), configured);
        let _ = std::fs::remove_dir_all(dir);
    }
}

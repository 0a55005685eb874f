//! Test support: a fresh database per test on each backend, and the real server on an
//! ephemeral loopback port.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod accounts;
mod database;
pub mod fixtures;
pub mod mail;
pub mod metrics;
pub mod process;
pub mod redis_server;
pub mod s3;
pub mod smtp;
pub mod tcp_proxy;
pub mod ws;

use std::fmt;

use coalition_domain::Clock;
use coalition_domain::coalition::WorkingGroupId;
use coalition_server::config::Settings;
use coalition_server::{RunningServer, start};
use coalition_store::Store;
use serde_json::{Value, json};

pub use database::TestDatabase;

/// A storage backend the suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file of the test's own: always available.
    Sqlite,
    /// A PostgreSQL database of the test's own, created under `TEST_DATABASE_URL`.
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// SQLite always; PostgreSQL too when `TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        backends.push(Backend::Postgres);
    }
    backends
}

/// The instant the test servers' clocks read when they start: the suite's calendar
/// (meetings on fixed dates in 2027) stays in the future whatever day the tests run on.
pub const TEST_EPOCH: &str = "2026-12-01T08:00:00Z";

/// A clock that reads [`TEST_EPOCH`] now and runs on from there.
pub fn test_clock() -> Clock {
    let start = chrono::DateTime::parse_from_rfc3339(TEST_EPOCH).expect("an RFC 3339 instant");
    Clock::starting_at(start.to_utc())
}

/// The real server, started on `127.0.0.1:0` over a database of its own.
pub struct TestApp {
    /// Which backend this instance runs on (for assertion messages).
    pub backend: Backend,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// A client with no default headers.
    pub client: reqwest::Client,
    /// Direct access to the same database, for fixtures.
    pub store: Store,
    /// Where the server writes mail (`.eml` files).
    pub mail_dir: std::path::PathBuf,
    /// The database URL, for a second instance sharing it.
    pub database_url: String,
    /// The settings the server started with.
    pub settings: Settings,
    /// The server's "now", shared with `store` (and with instances started beside it).
    pub clock: Clock,
    server: Option<Server>,
    _database: Option<TestDatabase>,
}

/// How a test server runs.
enum Server {
    /// Inside the test process, with a pinned clock.
    InProcess(RunningServer),
    /// The built `coalition` binary, as an operator runs it.
    Binary(process::ServerProcess),
}

/// Where to run a test server.
#[derive(Debug, Clone)]
pub enum Launch {
    /// In the test process, its clock reading the given one.
    InProcess(Clock),
    /// `coalition --config FILE serve`, with these extra environment variables.
    Binary(Vec<(String, String)>),
}

impl TestApp {
    /// Starts a server with the default settings on `backend`.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts a server on `backend`, letting the test adjust the settings first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Self {
        let database = TestDatabase::create(backend).await;
        let url = database.url.clone();
        let mail_dir = database.scratch_dir.join("mail");
        let launch = Launch::InProcess(test_clock());
        Self::start(backend, url, mail_dir, Some(database), launch, adjust).await
    }

    /// Starts the built `coalition` binary on `backend` with the adjusted settings (written
    /// to a configuration file) and extra `COALITION_*` environment variables. Its clock is
    /// the machine's.
    pub async fn spawn_binary(
        backend: Backend,
        env: &[(&str, &str)],
        adjust: impl FnOnce(&mut Settings),
    ) -> Self {
        let database = TestDatabase::create(backend).await;
        let url = database.url.clone();
        let mail_dir = database.scratch_dir.join("mail");
        let launch = Launch::Binary(
            env.iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
        );
        Self::start(backend, url, mail_dir, Some(database), launch, adjust).await
    }

    /// A second instance over the same database, run the same way as this one.
    pub async fn spawn_beside(&self, adjust: impl FnOnce(&mut Settings)) -> Self {
        let launch = match &self.server {
            Some(Server::Binary(_)) => Launch::Binary(Vec::new()),
            _ => Launch::InProcess(self.clock.clone()),
        };
        self.spawn_beside_as(launch, adjust).await
    }

    /// A second instance over the same database (several stateless servers), run as
    /// `launch` says.
    pub async fn spawn_beside_as(
        &self,
        launch: Launch,
        adjust: impl FnOnce(&mut Settings),
    ) -> Self {
        // The same mail destination: either instance's worker may deliver a message.
        let mail_dir = self.mail_dir.clone();
        Self::start(
            self.backend,
            self.database_url.clone(),
            mail_dir,
            None,
            launch,
            adjust,
        )
        .await
    }

    async fn start(
        backend: Backend,
        database_url: String,
        mail_dir: std::path::PathBuf,
        database: Option<TestDatabase>,
        launch: Launch,
        adjust: impl FnOnce(&mut Settings),
    ) -> Self {
        let mut settings = Settings::default();
        settings.server.bind = "127.0.0.1:0".parse().expect("loopback address");
        settings.database.url = database_url.clone();
        settings.database.max_connections = 4;
        settings.mail.file_dir = mail_dir.display().to_string();
        settings.mail.poll_interval_ms = 50;
        // Beside the mail folder, so instances started beside this one share the key.
        settings.mail.token_key_file = mail_dir
            .with_file_name("mail-token.key")
            .display()
            .to_string();
        settings.storage.dir = mail_dir.with_file_name("files").display().to_string();
        adjust(&mut settings);
        let (server, address, clock) = match launch {
            Launch::InProcess(clock) => {
                let server = start(&settings, clock.clone())
                    .await
                    .expect("server starts");
                let address = format!("http://{}", server.local_addr);
                (Server::InProcess(server), address, clock)
            }
            Launch::Binary(env) => {
                let config = mail_dir
                    .with_file_name(format!("coalition-{}.toml", uuid::Uuid::new_v4().simple()));
                process::write_config(&settings, &config);
                let env: Vec<(&str, &str)> = env
                    .iter()
                    .map(|(key, value)| (key.as_str(), value.as_str()))
                    .collect();
                let server = process::ServerProcess::start(&config, &env);
                let address = server.address.clone();
                (Server::Binary(server), address, Clock::system())
            }
        };
        // The server derives its public address from the port it listens on.
        if settings.accounts.public_url.is_empty() {
            settings.accounts.public_url = address.clone();
        }
        let store = Store::connect(&settings.database_settings())
            .await
            .expect("test store connects")
            .with_clock(clock.clone());
        Self {
            backend,
            address,
            client: reqwest::Client::new(),
            store,
            mail_dir,
            database_url,
            settings,
            clock,
            server: Some(server),
            _database: database,
        }
    }

    /// The key this server seals mailed tokens with (for workers a test builds itself).
    pub fn token_key(&self) -> coalition_domain::sealing::TokenKey {
        coalition_server::load_token_key(&self.settings).expect("the mail token key loads")
    }

    /// `address` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POSTs a GraphQL request as `application/json` and returns the decoded body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_with(query, variables, &[]).await
    }

    /// Like [`graphql`](Self::graphql), with extra request headers.
    pub async fn graphql_with(
        &self,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request reaches the server");
        assert_eq!(
            response.status(),
            200,
            "[{}] status of {query}",
            self.backend
        );
        response.json().await.expect("JSON body")
    }

    /// The seeded working group at `index` (in area order): its store id and global ID.
    pub async fn group(&self, index: usize) -> (WorkingGroupId, String) {
        let stored = self.store.working_groups().await.expect("groups load");
        let body = self.graphql("{ workingGroups { id } }", json!({})).await;
        let id = body["data"]["workingGroups"][index]["id"]
            .as_str()
            .expect("a group id")
            .to_owned();
        (stored[index].id, id)
    }

    /// POSTs a GraphQL request with a bearer token; returns the status and decoded body.
    pub async fn graphql_as(&self, token: &str, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request reaches the server");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// The latest mail to `address` whose subject contains `subject`, waiting up to five
    /// seconds for mail sent in the background.
    pub async fn mail_to(&self, address: &str, subject: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            if let Some(mail) = mail::latest(&self.mail_dir, address, subject) {
                return mail;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "[{}] no mail to {address} about {subject:?}",
                self.backend
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// The `content_type` part (decoded) of the newest mail to `address` whose subject
    /// contains `subject` and whose part contains `needle`, waiting up to ten seconds for
    /// the worker to deliver it.
    pub async fn mail_part_containing(
        &self,
        address: &str,
        subject: &str,
        content_type: &str,
        needle: &str,
    ) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let found = mail::all(&self.mail_dir)
                .into_iter()
                .rev()
                .find_map(|text| {
                    let to = mail::header(&text, "To")?;
                    let title = mail::header(&text, "Subject")?;
                    let part = mail::part(&text, content_type)?;
                    (to.contains(address) && title.contains(subject) && part.contains(needle))
                        .then_some(part)
                });
            if let Some(part) = found {
                return part;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "[{}] no mail to {address} about {subject:?} with {needle:?} in its {content_type}",
                self.backend
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Waits until `count` live subscriptions listen on the server, so an event published
    /// next reaches them (up to ten seconds). A binary server cannot be asked: it gets a
    /// second.
    pub async fn wait_for_subscribers(&self, count: usize) {
        let server = match &self.server {
            Some(Server::InProcess(server)) => server,
            Some(Server::Binary(server)) => {
                // A separate process: its metrics are the signal it has registered them.
                assert!(
                    self.settings.metrics.enabled,
                    "waiting for a binary server's subscribers reads its metrics: set `metrics.enabled`"
                );
                return metrics::wait_for_live_subscriptions(server, count).await;
            }
            None => return,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while server.live_subscribers() < count {
            assert!(
                std::time::Instant::now() < deadline,
                "[{}] {count} subscriptions expected, {} listening",
                self.backend,
                server.live_subscribers()
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Sends SIGTERM to a binary server without waiting (`finish` then waits for its exit).
    pub fn terminate(&self) {
        if let Some(Server::Binary(server)) = &self.server {
            server.process.terminate();
        }
    }

    /// Kills a binary server with SIGKILL and waits until it is gone; `finish` then only
    /// closes the test's own pool.
    pub fn kill(&mut self) {
        if let Some(Server::Binary(mut server)) = self.server.take() {
            server.process.kill();
        }
    }

    /// What the server process has written to stderr (empty for an in-process server).
    pub fn server_log(&self) -> Vec<String> {
        match &self.server {
            Some(Server::Binary(server)) => server.process.log(),
            _ => Vec::new(),
        }
    }

    /// Stops the server and closes the pools, so the database can be dropped.
    pub async fn finish(mut self) {
        match self.server.take() {
            Some(Server::InProcess(server)) => server.shutdown().await,
            Some(Server::Binary(mut server)) => {
                let status = server.process.stop();
                assert!(
                    status.is_some_and(|status| status.success()),
                    "[{}] the server stops cleanly on SIGTERM ({status:?}):\n{}",
                    self.backend,
                    server.process.log().join("\n")
                );
            }
            None => {}
        }
        let _ = self.store.clone().close().await;
    }
}

/// The `extensions.code` of the first error of a GraphQL response.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no code>")
}

/// Removes every Redis key under `prefix` (a test's own), so runs leave nothing behind.
pub async fn remove_redis_keys(url: &str, prefix: &str) {
    let client = redis::Client::open(url).expect("Redis URL");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("Redis answers");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut connection)
        .await
        .expect("keys listed");
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut connection)
            .await
            .expect("keys removed");
    }
}

//! Test support: a fresh database per test on each backend, and the real server on an
//! ephemeral loopback port.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod accounts;
mod database;
pub mod fixtures;
pub mod mail;
pub mod smtp;
pub mod ws;

use std::fmt;

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
    server: Option<RunningServer>,
    _database: Option<TestDatabase>,
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
        Self::start(backend, url, mail_dir, Some(database), adjust).await
    }

    /// A second instance over the same database (several stateless servers).
    pub async fn spawn_beside(&self, adjust: impl FnOnce(&mut Settings)) -> Self {
        // The same mail destination: either instance's worker may deliver a message.
        let mail_dir = self.mail_dir.clone();
        Self::start(
            self.backend,
            self.database_url.clone(),
            mail_dir,
            None,
            adjust,
        )
        .await
    }

    async fn start(
        backend: Backend,
        database_url: String,
        mail_dir: std::path::PathBuf,
        database: Option<TestDatabase>,
        adjust: impl FnOnce(&mut Settings),
    ) -> Self {
        let mut settings = Settings::default();
        settings.server.bind = "127.0.0.1:0".parse().expect("loopback address");
        settings.database.url = database_url.clone();
        settings.database.max_connections = 4;
        settings.mail.file_dir = mail_dir.display().to_string();
        settings.mail.poll_interval_ms = 50;
        adjust(&mut settings);
        let server = start(&settings).await.expect("server starts");
        let store = Store::connect(&settings.database_settings())
            .await
            .expect("test store connects");
        Self {
            backend,
            address: format!("http://{}", server.local_addr),
            client: reqwest::Client::new(),
            store,
            mail_dir,
            database_url,
            settings,
            server: Some(server),
            _database: database,
        }
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

    /// Stops the server and closes the pools, so the database can be dropped.
    pub async fn finish(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
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

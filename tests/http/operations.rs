//! Operating the built binary: faults it survives (Redis restarted under two instances),
//! graceful shutdown, metrics, hardening and backups.

use std::time::Duration;

use coalition_domain::notifications::OutboxStatus;
use coalition_server::config::Settings;
use coalition_tests::accounts::{coordinator_of, registration, signed_up};
use coalition_tests::metrics::{logged_metrics_url, sample, wait_for_live_subscriptions};
use coalition_tests::redis_server::OwnRedis;
use coalition_tests::ws::{Received, WsClient};
use coalition_tests::{TestApp, backends};
use serde_json::{Value, json};

const GROUP_ACTIVITY: &str =
    "subscription ($group: ID!) { groupActivity(groupId: $group) { verb } }";
const REQUEST: &str = "mutation ($group: ID!) { requestToJoin(groupId: $group) { status } }";

/// Waits until `/readyz` says `ready` (database, Redis and the bus's listener), up to
/// twenty seconds.
async fn wait_until_ready(app: &TestApp) {
    let mut last = Value::Null;
    for _ in 0..400 {
        if let Ok(response) = app.client.get(app.url("/readyz")).send().await {
            last = response.json().await.unwrap_or(Value::Null);
            if last["status"] == "ready" {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("[{}] not ready: {last}", app.backend);
}

/// The next `groupActivity` verb the socket receives within ten seconds.
async fn next_verb(socket: &mut WsClient, backend: impl std::fmt::Display) -> String {
    loop {
        match socket.receive_within(Duration::from_secs(10)).await {
            Some(Received::Message(message)) if message["type"] == "next" => {
                return message["payload"]["data"]["groupActivity"]["verb"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
            }
            Some(Received::Message(_)) => {}
            other => panic!("[{backend}] no event: {other:?}"),
        }
    }
}

/// `token`'s holder asks to join the group on `app`; the socket receives the event.
async fn request_and_see_it(app: &TestApp, token: &str, group_id: &str, socket: &mut WsClient) {
    let backend = app.backend;
    let (_, body) = app
        .graphql_as(token, REQUEST, json!({ "group": group_id }))
        .await;
    assert!(body["errors"].is_null(), "[{backend}] {body}");
    assert_eq!(next_verb(socket, backend).await, "membership.requested");
}

/// Redis restarted under two instances: the subscriber's instance resubscribes by itself,
/// and the first event the other instance publishes afterwards reaches it, although the
/// publisher's connection was broken by the restart and nothing else used it since.
#[tokio::test]
async fn the_first_event_after_a_redis_restart_reaches_the_other_instance() {
    if std::env::var("TEST_REDIS_URL").is_err() {
        return; // Needs redis-server, as a machine with TEST_REDIS_URL has.
    }
    for backend in backends() {
        let redis = OwnRedis::start(None);
        let url = format!("redis://127.0.0.1:{}", redis.port);
        let configure = |settings: &mut Settings| {
            settings.redis.url = url.clone();
            settings.metrics.enabled = true;
        };
        let first = TestApp::spawn_binary(backend, &[], configure).await;
        let second = first.spawn_beside(configure).await;
        let (group, group_id) = first.group(0).await;
        let (_, coordinator) =
            coordinator_of(&first, group, "Claire Martin", "claire@example.fr").await;
        let (_, member) = signed_up(&first, "Amina Diallo", "amina@example.sn").await;
        // Signed up before the restart: sign-in's rate limits use the same connection.
        let (_, later) = signed_up(&first, "Bo Chen", "bo@example.cn").await;

        let mut on_second = WsClient::initialised(&second, Some(&coordinator)).await;
        on_second
            .subscribe("g", GROUP_ACTIVITY, json!({ "group": group_id }))
            .await;
        wait_until_ready(&first).await;
        wait_until_ready(&second).await;
        second.wait_for_subscribers(1).await;
        request_and_see_it(&first, &member, &group_id, &mut on_second).await;

        let port = redis.stop();
        // An outage longer than the connection manager's own reconnection attempts (two
        // retries, at most 500 ms apart), like the two seconds measured in production.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let _redis = OwnRedis::start(Some(port));
        // Only the subscriber's side is watched: a probe on the first instance would use
        // (and so repair) the publisher's broken connection before the event does.
        wait_until_ready(&second).await;
        request_and_see_it(&first, &later, &group_id, &mut on_second).await;
        assert!(
            !first
                .server_log()
                .iter()
                .any(|line| line.contains("live event dropped")),
            "[{backend}] {:?}",
            first.server_log()
        );
        // The retry is what saved the event (scraping does not touch Redis).
        let scraped = scrape(&first, &first.url("/metrics")).await;
        let retried = sample(&scraped, "coalition_bus_publish_retries_total", &[]);
        assert!(
            retried.is_some_and(|count| count >= 1.0),
            "[{backend}] {retried:?}"
        );
        assert_eq!(sample(&scraped, "coalition_bus_dropped_total", &[]), None);
        on_second.close().await;
        second.finish().await;
        first.finish().await;
    }
}

const REGISTER: &str = "mutation ($input: RegisterInput!) { register(input: $input) }";

fn log_lines_with(app: &TestApp, needle: &str) -> usize {
    app.server_log()
        .iter()
        .filter(|line| line.contains(needle))
        .count()
}

/// SIGTERM while registrations (each hashing a password, one at a time) are in flight:
/// every request the server had begun is answered, the open WebSocket is closed with
/// 1001, and the process exits cleanly.
#[tokio::test]
async fn sigterm_answers_requests_in_flight_and_closes_sockets_with_1001() {
    const IN_FLIGHT: usize = 12;
    for backend in backends() {
        let app = TestApp::spawn_binary(backend, &[], |settings| {
            // Each request's start and end are logged, so the test knows they began.
            settings.log.filter = "info,tower_http=debug".to_owned();
            settings.accounts.password_hash_concurrency = 1;
            settings.rate_limits.registration_per_address.max = 1000;
        })
        .await;
        let mut socket = WsClient::initialised(&app, None).await;
        let before = log_lines_with(&app, "started processing request");
        let requests: Vec<_> = (0..IN_FLIGHT)
            .map(|index| {
                let request = app.client.post(app.url("/graphql")).json(&json!({
                    "query": REGISTER,
                    "variables": { "input": registration(
                        &format!("Expert {index}"),
                        &format!("expert{index}@example.org"),
                        "KE",
                        "en",
                    ) },
                }));
                tokio::spawn(async move {
                    let response = request.send().await?;
                    let status = response.status().as_u16();
                    Ok::<_, reqwest::Error>((status, response.json::<Value>().await?))
                })
            })
            .collect();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while log_lines_with(&app, "started processing request") < before + IN_FLIGHT {
            assert!(
                std::time::Instant::now() < deadline,
                "[{backend}] the requests did not all start: {:?}",
                app.server_log()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        app.terminate();
        for request in requests {
            let (status, body) = request.await.unwrap().unwrap_or_else(|error| {
                panic!("[{backend}] a started request was dropped: {error}")
            });
            assert_eq!(status, 200, "[{backend}] {body}");
            assert!(body["errors"].is_null(), "[{backend}] {body}");
        }
        assert_eq!(
            socket.closed().await.0,
            1001,
            "[{backend}] the socket is told the server goes away"
        );
        // Proof that requests were still running at SIGTERM: one finished after it. The
        // log is read from stderr as it comes, so the lines may trail the answers.
        let finished_after_sigterm = |log: &[String]| {
            log.iter()
                .position(|line| line.contains("shutting down"))
                .is_some_and(|stopping| {
                    log[stopping..]
                        .iter()
                        .any(|line| line.contains("finished processing request"))
                })
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !finished_after_sigterm(&app.server_log()) {
            assert!(
                std::time::Instant::now() < deadline,
                "[{backend}] no request was still running at SIGTERM, so none was tested: {:?}",
                app.server_log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        app.finish().await;
    }
}

/// Registers `expert{index}@example.org` on `app`.
async fn register_expert(app: &TestApp, index: usize) {
    let input = registration(
        &format!("Expert {index}"),
        &format!("expert{index}@example.org"),
        "KE",
        "en",
    );
    let body = app.graphql(REGISTER, json!({ "input": input })).await;
    assert!(body["errors"].is_null(), "[{}] {body}", app.backend);
}

/// A transport that asks the worker to stop while it sends the first message.
struct StopsWhileSending {
    stop: tokio::sync::watch::Sender<bool>,
    sent: std::sync::Mutex<usize>,
}

#[async_trait::async_trait]
impl coalition_mail::MailTransport for StopsWhileSending {
    async fn deliver(
        &self,
        _message: lettre::Message,
    ) -> Result<(), coalition_mail::DeliveryError> {
        let _ = self.stop.send(true);
        *self.sent.lock().unwrap() += 1;
        Ok(())
    }
}

/// A worker told to stop finishes the message it is sending and gives back the rest of
/// its batch, due at once and with no attempt counted, instead of holding them for the
/// lease.
#[tokio::test]
async fn a_stopping_mail_worker_finishes_its_message_and_releases_the_rest() {
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |settings| settings.mail.worker = false).await;
        for index in 0..3 {
            register_expert(&app, index).await;
        }
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let transport = std::sync::Arc::new(StopsWhileSending {
            stop,
            sent: std::sync::Mutex::new(0),
        });
        let worker = coalition_mail::MailWorker::new(
            app.store.clone(),
            transport.clone(),
            coalition_mail::Renderer::new(&app.settings.accounts.public_url).unwrap(),
            coalition_mail::WorkerSettings {
                from: app.settings.mail.from.parse().unwrap(),
                max_attempts: 5,
                backoff: coalition_domain::notifications::Backoff {
                    base: Duration::from_secs(1),
                    cap: Duration::from_secs(1),
                },
                poll_interval: Duration::from_millis(50),
                lease: Duration::from_secs(3600),
                batch: 20,
                digest_hour: 8,
                token_key: app.token_key(),
            },
        );
        tokio::time::timeout(Duration::from_secs(10), worker.run(stopped))
            .await
            .unwrap_or_else(|_| panic!("[{backend}] the worker did not stop"));
        assert_eq!(*transport.sent.lock().unwrap(), 1, "[{backend}]");
        let messages = app.store.outbox_messages(None, 10).await.unwrap();
        let sent = messages
            .iter()
            .filter(|message| message.status == OutboxStatus::Sent)
            .count();
        let released: Vec<_> = messages
            .iter()
            .filter(|message| message.status == OutboxStatus::Pending)
            .collect();
        assert_eq!((sent, released.len()), (1, 2), "[{backend}] {messages:?}");
        assert!(
            released.iter().all(|message| message.attempts == 0),
            "[{backend}] {released:?}"
        );
        // Released claims are due at once: another worker takes them now.
        let lease = chrono::Duration::hours(1);
        assert_eq!(
            app.store
                .claim_due_mail(20, lease)
                .await
                .unwrap()
                .messages
                .len(),
            2,
            "[{backend}]"
        );
        app.finish().await;
    }
}

/// Scrapes `url` and parses it as Prometheus text.
async fn scrape(app: &TestApp, url: &str) -> prometheus_parse::Scrape {
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "[{}] {url}", app.backend);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    coalition_tests::metrics::parse(&response.text().await.unwrap())
}

/// With `metrics.enabled`, `/metrics` on the main listener has HTTP, GraphQL, database,
/// outbox, WebSocket, bus and password-hashing figures in the Prometheus text format.
#[tokio::test]
async fn metrics_are_served_in_the_prometheus_text_format() {
    for backend in backends() {
        let app =
            TestApp::spawn_binary(backend, &[], |settings| settings.metrics.enabled = true).await;
        let _socket = WsClient::initialised(&app, None).await;
        let named = json!({ "query": "query Coalition { coalition { name } }", "operationName": "Coalition" });
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&named)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let input = registration("Amina Diallo", "amina@example.sn", "SN", "fr");
        let body = app.graphql(REGISTER, json!({ "input": input })).await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");

        let url = app.url("/metrics");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let scraped = loop {
            let scraped = scrape(&app, &url).await;
            // The confirmation mail is sent in the background.
            if sample(
                &scraped,
                "coalition_mail_deliveries_total",
                &[("outcome", "sent")],
            )
            .is_some()
            {
                break scraped;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "[{backend}] no mail delivery counted"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let at_least_one = [
            (
                "coalition_http_requests_total",
                vec![("route", "/graphql"), ("method", "POST"), ("status", "200")],
            ),
            (
                "coalition_http_request_duration_seconds",
                vec![("route", "/graphql"), ("status", "200")],
            ),
            (
                "coalition_graphql_operations_total",
                vec![("operation", "Coalition"), ("outcome", "ok")],
            ),
            (
                "coalition_graphql_operation_duration_seconds",
                vec![("operation", "Coalition")],
            ),
            ("coalition_websocket_connections", vec![]),
            ("coalition_db_pool_connections", vec![]),
            ("coalition_db_pool_max_connections", vec![]),
        ];
        for (metric, labels) in at_least_one {
            let value = sample(&scraped, metric, &labels);
            assert!(
                value.is_some_and(|value| value >= 1.0),
                "[{backend}] {metric} {labels:?}: {value:?}"
            );
        }
        for metric in [
            "coalition_outbox_backlog",
            "coalition_live_subscriptions",
            "coalition_password_hashes_waiting",
            "coalition_password_hashes_running",
        ] {
            assert!(
                sample(&scraped, metric, &[]).is_some(),
                "[{backend}] {metric} missing"
            );
        }
        app.finish().await;
    }
}

/// Off by default; with `metrics.bind`, served there and not on the public listener.
#[tokio::test]
async fn metrics_are_off_by_default_and_can_have_their_own_listener() {
    let backend = backends()[0];
    let off = TestApp::spawn_binary(backend, &[], |_| {}).await;
    let response = off.client.get(off.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    off.finish().await;

    let app = TestApp::spawn_binary(backend, &[], |settings| {
        settings.metrics.enabled = true;
        settings.metrics.bind = "127.0.0.1:0".to_owned();
    })
    .await;
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 404, "not on the public listener");
    let url = logged_metrics_url(&app.server_log()).expect("the metrics address is logged");
    app.graphql("{ coalition { name } }", json!({})).await;
    let scraped = scrape(&app, &url).await;
    assert!(
        sample(
            &scraped,
            "coalition_http_requests_total",
            &[("route", "/graphql")]
        )
        .is_some_and(|count| count >= 1.0),
        "{:?}",
        scraped.samples
    );
    app.finish().await;
}

/// Every response says `nosniff` and `no-referrer`; GraphiQL keeps its CSP; CORS answers
/// the configured origins only, without credentials unless configured.
#[tokio::test]
async fn security_headers_and_cors_follow_the_configuration() {
    let backend = backends()[0];
    let origin = "https://coalition.example.org";
    let app = TestApp::spawn_with(backend, |settings| {
        settings.server.cors_allowed_origins = vec![origin.to_owned()];
    })
    .await;
    for path in ["/healthz", "/graphql?query=%7B__typename%7D", "/nowhere"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
    }
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(page.headers().contains_key("content-security-policy"));
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");

    let preflight = |from: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", from)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight(origin).await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(allowed.headers()["access-control-allow-origin"], origin);
    assert!(
        !allowed
            .headers()
            .contains_key("access-control-allow-credentials")
    );
    let other = preflight("https://elsewhere.example").await.unwrap();
    assert!(!other.headers().contains_key("access-control-allow-origin"));
    let simple = app
        .client
        .post(app.url("/graphql"))
        .header("origin", origin)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(simple.headers()["access-control-allow-origin"], origin);
    app.finish().await;

    let without = TestApp::spawn(backend).await;
    let response = preflight_without_cors(&without, origin).await;
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
    without.finish().await;
}

async fn preflight_without_cors(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .post(app.url("/graphql"))
        .header("origin", origin)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap()
}

/// `graphql.introspection = false` refuses `__schema`; `graphql.graphiql = false` serves
/// no GraphiQL page nor its files.
#[tokio::test]
async fn introspection_and_graphiql_can_be_switched_off() {
    let app = TestApp::spawn_with(backends()[0], |settings| {
        settings.graphql.introspection = false;
        settings.graphql.graphiql = false;
    })
    .await;
    let body = app
        .graphql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(
        body["data"]["__schema"].is_null(),
        "no schema shown: {body}"
    );
    let body = app.graphql("{ coalition { name } }", json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let content_type = page.headers().get("content-type").cloned();
    assert!(
        !content_type.is_some_and(|value| value.to_str().unwrap_or_default().contains("html")),
        "no GraphiQL page"
    );
    let asset = app
        .client
        .get(app.url("/graphiql/init.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), 404);
    app.finish().await;
}

/// A request that outlives `server.request_timeout_secs` (here a body that never ends) is
/// answered 503 with a typed error.
#[tokio::test]
async fn a_request_over_the_time_limit_gets_a_typed_503() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(backends()[0], |settings| {
        settings.server.request_timeout_secs = 1;
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"query\"",
        )
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut answer))
        .await
        .expect("answered within the limit")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"code\":\"INTERNAL\""), "{answer}");
    assert!(answer.to_lowercase().contains("x-request-id"), "{answer}");
    app.finish().await;
}

/// `database.statement_timeout_secs` cancels a runaway statement on PostgreSQL.
#[tokio::test]
async fn a_statement_over_the_time_limit_is_cancelled_on_postgresql() {
    use sea_orm::ConnectionTrait;
    if !backends().contains(&coalition_tests::Backend::Postgres) {
        return; // SQLite has no statement timeout; its lock wait is sqlite_busy_timeout_ms.
    }
    let app = TestApp::spawn(coalition_tests::Backend::Postgres).await;
    let mut settings = app.settings.clone();
    settings.database.statement_timeout_secs = 1;
    let store = coalition_store::Store::connect(&settings.database_settings())
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let outcome = store
        .connection()
        .execute_unprepared("SELECT pg_sleep(10)")
        .await;
    let error = outcome.expect_err("cancelled").to_string();
    assert!(error.contains("statement timeout"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(8));
    store.close().await.unwrap();
    app.finish().await;
}

/// `coalition backup` copies a SQLite database a running server writes to; the copy opens
/// and holds what was written. On PostgreSQL it refuses and points to pg_dump, and a
/// missing SQLite file is named rather than created empty.
#[tokio::test]
async fn backup_copies_a_live_sqlite_database_and_refuses_postgresql() {
    let app = TestApp::spawn_binary(coalition_tests::Backend::Sqlite, &[], |_| {}).await;
    let input = registration("Amina Diallo", "amina@example.sn", "SN", "fr");
    let body = app.graphql(REGISTER, json!({ "input": input })).await;
    assert!(body["errors"].is_null(), "{body}");
    let copy = app.mail_dir.with_file_name("backup copy.db");
    let output = coalition_tests::process::coalition()
        .arg("backup")
        .arg("--output")
        .arg(&copy)
        .env("COALITION_DATABASE__URL", &app.database_url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut settings = app.settings.clone();
    settings.database.url = format!("sqlite://{}", copy.display());
    let restored = coalition_store::Store::connect(&settings.database_settings())
        .await
        .unwrap();
    let email = coalition_domain::people::Email::parse("amina@example.sn").unwrap();
    assert!(restored.account_by_email(&email).await.unwrap().is_some());
    assert!(restored.is_seeded().await.unwrap());
    restored.close().await.unwrap();
    let again = coalition_tests::process::coalition()
        .args(["backup", "--output"])
        .arg(&copy)
        .env("COALITION_DATABASE__URL", &app.database_url)
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(2),
        "an existing file is not overwritten"
    );
    app.finish().await;

    let refused = coalition_tests::process::coalition()
        .args(["backup", "--output", "/nonexistent/coalition.dump"])
        .env(
            "COALITION_DATABASE__URL",
            "postgres://coalition@127.0.0.1:1/coalition",
        )
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("pg_dump"));

    // A mistyped path names the missing database instead of backing up an empty one.
    let folder = tempfile::tempdir().unwrap();
    let missing = folder.path().join("no such.db");
    let output = folder.path().join("copy.db");
    let refused = coalition_tests::process::coalition()
        .args(["backup", "--output"])
        .arg(&output)
        .env(
            "COALITION_DATABASE__URL",
            format!("sqlite://{}", missing.display()),
        )
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("no database"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!missing.exists() && !output.exists());
}

/// POSTs a GraphQL request to a server at `address`, with a bearer token if given.
async fn post_graphql(address: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = reqwest::Client::new()
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The README's deployment guide, followed literally: `config/production.example.toml`
/// with the secrets and addresses given through the environment, `coalition migrate` and
/// `coalition seed` before the instances start, then two instances sharing PostgreSQL,
/// Redis and SMTP. A mail is delivered once, and a change made on one instance reaches a
/// subscriber on the other.
#[tokio::test]
async fn the_deployment_guide_runs_two_instances_from_the_example_configuration() {
    use coalition_tests::process::{ServerProcess, coalition};
    if std::env::var("TEST_REDIS_URL").is_err()
        || !backends().contains(&coalition_tests::Backend::Postgres)
    {
        return; // Needs PostgreSQL and redis-server.
    }
    let database = coalition_tests::TestDatabase::create(coalition_tests::Backend::Postgres).await;
    let redis = OwnRedis::start(None);
    let smtp = coalition_tests::smtp::SmtpServer::start().await;
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../config/production.example.toml"
    );
    let redis_url = format!("redis://127.0.0.1:{}", redis.port);
    let smtp_url = smtp.url();
    let token_key = coalition_domain::sealing::TokenKey::generate().to_base64();
    let env = [
        ("COALITION_DATABASE__URL", database.url.as_str()),
        ("COALITION_REDIS__URL", redis_url.as_str()),
        ("COALITION_MAIL__SMTP_URL", smtp_url.as_str()),
        // One key for both instances, as the guide says.
        ("COALITION_MAIL__TOKEN_KEY", token_key.as_str()),
        // Two instances on one machine: each picks free ports.
        ("COALITION_SERVER__BIND", "127.0.0.1:0"),
        ("COALITION_METRICS__BIND", "127.0.0.1:0"),
    ];
    for step in ["migrate", "seed"] {
        let output = coalition()
            .arg("--config")
            .arg(config)
            .arg(step)
            .envs(env)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{step}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let first = ServerProcess::start(std::path::Path::new(config), &env);
    let second = ServerProcess::start(std::path::Path::new(config), &env);

    let input = registration("Amina Diallo", "amina@example.sn", "SN", "fr");
    let body = post_graphql(&first.address, None, REGISTER, json!({ "input": input })).await;
    assert!(body["errors"].is_null(), "{body}");
    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.recipients, ["amina@example.sn"]);
    let token = coalition_tests::mail::token(&mail.data);
    let verified = post_graphql(
        &second.address,
        None,
        "mutation ($token: String!) { verifyEmail(token: $token) { id } }",
        json!({ "token": token }),
    )
    .await;
    assert!(verified["errors"].is_null(), "{verified}");
    let login = post_graphql(
        &second.address,
        None,
        "mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token } }",
        json!({ "email": "amina@example.sn", "password": coalition_tests::accounts::PASSWORD }),
    )
    .await;
    let session = login["data"]["login"]["token"].as_str().unwrap().to_owned();

    let mut socket = WsClient::connect_to(&second.address, Some("graphql-transport-ws"), &[])
        .await
        .unwrap();
    socket
        .send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {session}") } }))
        .await;
    assert_eq!(socket.message().await["type"], "connection_ack");
    socket
        .subscribe("n", "subscription { myNotifications { verb } }", json!({}))
        .await;
    let groups = post_graphql(&first.address, None, "{ workingGroups { id } }", json!({})).await;
    let group = groups["data"]["workingGroups"][0]["id"].clone();
    wait_for_live_subscriptions(&second, 1).await;
    let requested = post_graphql(
        &first.address,
        Some(&session),
        REQUEST,
        json!({ "group": group }),
    )
    .await;
    assert!(requested["errors"].is_null(), "{requested}");
    let event = socket.message().await;
    assert_eq!(
        event["payload"]["data"]["myNotifications"]["verb"], "membership.requested",
        "{event}"
    );

    let store = coalition_store::Store::connect(&coalition_store::DatabaseSettings {
        url: database.url.clone(),
        max_connections: 1,
        acquire_timeout: Duration::from_secs(10),
        busy_timeout: Duration::from_secs(5),
        statement_timeout: None,
    })
    .await
    .unwrap();
    let confirmation = store
        .outbox_messages(Some(OutboxStatus::Sent), 10)
        .await
        .unwrap()
        .into_iter()
        .find(|message| message.to == "amina@example.sn")
        .expect("the confirmation is recorded as sent");
    assert_eq!(confirmation.attempts, 1, "sent once, by one instance");
    store.close().await.unwrap();
    for mut server in [first, second] {
        let status = server.process.stop();
        assert!(
            status.is_some_and(|status| status.success()),
            "{:?}",
            server.process.log()
        );
    }
}

/// The `/readyz` status code.
async fn readiness_status(app: &TestApp) -> u16 {
    app.client
        .get(app.url("/readyz"))
        .send()
        .await
        .map_or(0, |response| response.status().as_u16())
}

/// Polls `/readyz` (up to twenty seconds) until it answers `status`.
async fn wait_for_readiness(app: &TestApp, status: u16) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while readiness_status(app).await != status {
        assert!(
            std::time::Instant::now() < deadline,
            "/readyz never answered {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// PostgreSQL going away under a running binary: `/readyz` answers 503, a query gets an
/// `INTERNAL` error without database text and with a request id the log names, and all is
/// well again once the database is back, without a restart.
// Several threads: the relay runs in this runtime while the binary's start is awaited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_going_away_and_coming_back() {
    let Some(admin) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        return;
    };
    // postgres://user@HOST:PORT/db → HOST:PORT
    let host_port = admin
        .split_once('@')
        .map_or(admin.as_str(), |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let proxy = coalition_tests::tcp_proxy::TcpProxy::start(host_port.clone()).await;
    let relayed = format!("127.0.0.1:{}", proxy.port);
    let app = TestApp::spawn_binary(coalition_tests::Backend::Postgres, &[], |settings| {
        settings.database.url = settings.database.url.replace(&host_port, &relayed);
        settings.database.acquire_timeout_secs = 1;
    })
    .await;
    const QUERY: &str = "{ coalition { name } }";
    assert!(app.graphql(QUERY, json!({})).await["errors"].is_null());
    assert_eq!(readiness_status(&app).await, 200);

    proxy.cut();
    wait_for_readiness(&app, 503).await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": QUERY }))
        .send()
        .await
        .unwrap();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(coalition_tests::error_code(&body), "INTERNAL", "{body}");
    let text = body.to_string().to_lowercase();
    for leak in ["select", "sqlx", "postgres", "connection", "pool"] {
        assert!(!text.contains(leak), "{leak} shown: {body}");
    }
    // The log is read from the process's stderr as it comes: the line may trail the answer.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !app
        .server_log()
        .iter()
        .any(|line| line.contains(&request_id))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the log names request {request_id}: {:?}",
            app.server_log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    proxy.restore();
    wait_for_readiness(&app, 200).await;
    assert!(app.graphql(QUERY, json!({})).await["errors"].is_null());
    app.finish().await;
}

/// SMTP down under two instances, then up: every mail queued meanwhile is delivered once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_queued_while_smtp_is_down_is_delivered_once_by_two_instances() {
    for backend in backends() {
        let smtp = coalition_tests::smtp::SmtpServer::start().await;
        let smtp_url = smtp.url();
        let configure = |settings: &mut Settings| {
            settings.mail.smtp_url = smtp_url.clone();
            settings.mail.backoff_base_secs = 1;
            settings.mail.backoff_cap_secs = 1;
            settings.mail.smtp_timeout_secs = 5;
        };
        let first = TestApp::spawn_binary(backend, &[], configure).await;
        let second = first.spawn_beside(configure).await;
        let (port, delivered) = smtp.stop();
        const PEOPLE: usize = 4;
        for index in 0..PEOPLE {
            register_expert(if index % 2 == 0 { &first } else { &second }, index).await;
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let messages = first.store.outbox_messages(None, 10).await.unwrap();
            if messages.len() == PEOPLE && messages.iter().all(|message| message.attempts >= 1) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "[{backend}] {messages:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(delivered.lock().unwrap().is_empty());

        let smtp = coalition_tests::smtp::SmtpServer::start_on(port, delivered).await;
        smtp.wait_for(PEOPLE).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let messages = first.store.outbox_messages(None, 10).await.unwrap();
            if messages
                .iter()
                .all(|message| message.status == OutboxStatus::Sent)
            {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "[{backend}] {messages:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut recipients: Vec<String> = smtp
            .delivered()
            .into_iter()
            .flat_map(|mail| mail.recipients)
            .collect();
        recipients.sort();
        let expected: Vec<String> = (0..PEOPLE)
            .map(|index| format!("expert{index}@example.org"))
            .collect();
        assert_eq!(recipients, expected, "[{backend}] each once");
        second.finish().await;
        first.finish().await;
    }
}

/// One instance killed with SIGKILL mid-send, under two instances: the mail it had claimed
/// is delivered by the other once the lease ends, and none is lost. Asserted precisely:
/// every message ends `sent`, by the survivor, not before the lease ran out; the message
/// whose data the SMTP listener had received in full (holding its reply when the kill
/// came) arrives twice, since the listener queued it as a real server does: the
/// documented at-least-once case; every other message arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_claimed_by_a_killed_instance_is_delivered_by_the_other_after_the_lease() {
    const LEASE: Duration = Duration::from_secs(6);
    const PEOPLE: usize = 3;
    for backend in backends() {
        let smtp = coalition_tests::smtp::SmtpServer::start().await;
        let smtp_url = smtp.url();
        let configure = |settings: &mut Settings| {
            settings.mail.smtp_url = smtp_url.clone();
            settings.mail.lease_secs = LEASE.as_secs();
        };
        // Queues the mail without sending any, so that one worker claims the whole batch.
        let api = TestApp::spawn_binary(backend, &[], |settings| {
            configure(settings);
            settings.mail.worker = false;
        })
        .await;
        for index in 0..PEOPLE {
            register_expert(&api, index).await;
        }
        smtp.set_delay(Duration::from_secs(2));
        let started = std::time::Instant::now();
        let mut sender = api.spawn_beside(configure).await;
        smtp.wait_until_holding().await;
        sender.kill();
        smtp.set_delay(Duration::ZERO);
        let claimed = api.store.outbox_messages(None, 10).await.unwrap();
        assert!(
            claimed.len() == PEOPLE
                && claimed
                    .iter()
                    .all(|message| message.status == OutboxStatus::Sending),
            "[{backend}] {claimed:?}"
        );

        let survivor = api.spawn_beside(configure).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let messages = api.store.outbox_messages(None, 10).await.unwrap();
            let sent = messages
                .iter()
                .filter(|message| message.status == OutboxStatus::Sent)
                .count();
            if sent == PEOPLE {
                break;
            }
            // Read before the clock: while the lease holds, nothing is taken over.
            if started.elapsed() < LEASE {
                assert_eq!(sent, 0, "[{backend}] sent during the lease: {messages:?}");
            }
            assert!(
                std::time::Instant::now() < deadline,
                "[{backend}] {messages:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(started.elapsed() >= LEASE, "[{backend}] before the lease");
        assert_eq!(
            log_lines_with(&survivor, "mail sent"),
            PEOPLE,
            "[{backend}]"
        );

        let mut copies = std::collections::BTreeMap::<String, usize>::new();
        for mail in smtp.wait_for(PEOPLE + 1).await {
            for recipient in mail.recipients {
                *copies.entry(recipient).or_default() += 1;
            }
        }
        let mut counts: Vec<usize> = copies.values().copied().collect();
        counts.sort_unstable();
        assert_eq!(counts, [1, 1, 2], "[{backend}] {copies:?}");
        assert!(
            (0..PEOPLE).all(|index| copies.contains_key(&format!("expert{index}@example.org"))),
            "[{backend}] {copies:?}"
        );
        survivor.finish().await;
        sender.finish().await;
        api.finish().await;
    }
}

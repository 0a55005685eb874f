//! The built `coalition` binary, run as an operator runs it, once per production setting:
//! SMTP to a real listener, Redis between two processes, PostgreSQL, JSON logs, the mail
//! worker on its own, the maintenance commands, and refusals of bad configuration.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use coalition_tests::accounts::{coordinator_of, register, registration, signed_up};
use coalition_tests::process::{Process, coalition, write_config};
use coalition_tests::redis_server::OwnRedis;
use coalition_tests::smtp::SmtpServer;
use coalition_tests::ws::{Received, WsClient};
use coalition_tests::{TestApp, TestDatabase, backends, remove_redis_keys};
use serde_json::{Value, json};

const GROUP_ACTIVITY: &str =
    "subscription ($group: ID!) { groupActivity(groupId: $group) { verb } }";
const REQUEST: &str = "mutation ($group: ID!) { requestToJoin(groupId: $group) { status } }";

/// `coalition <args>` with `env`, run to completion.
fn run(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = coalition();
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the coalition binary runs")
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn serves_with_smtp_and_mail_arrives() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let url = smtp.url();
        let app =
            TestApp::spawn_binary(backend, &[("COALITION_MAIL__SMTP_URL", &url)], |_| {}).await;
        let body = register(
            &app,
            registration("Amina Diallo", "amina@example.sn", "SN", "fr"),
        )
        .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let delivered = smtp.wait_for(1).await;
        assert_eq!(delivered[0].recipients, ["amina@example.sn"], "[{backend}]");
        assert!(delivered[0].data.contains("Subject:"), "[{backend}]");
        assert!(
            !app.server_log()
                .iter()
                .any(|line| line.contains("panicked")),
            "[{backend}] {:?}",
            app.server_log()
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn the_mail_worker_alone_delivers_what_a_server_queued() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let url = smtp.url();
        // The API instance queues but does not send: delivery is the worker's job.
        let app = TestApp::spawn_binary(backend, &[], |settings| {
            settings.mail.worker = false;
            settings.mail.smtp_url = url.clone();
        })
        .await;
        let body = register(&app, registration("Bo Chen", "bo@example.cn", "CN", "en")).await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        assert!(smtp.delivered().is_empty(), "[{backend}] nothing sent yet");

        let config = app.mail_dir.with_file_name("worker.toml");
        let mut settings = app.settings.clone();
        settings.mail.worker = true;
        settings.mail.poll_interval_ms = 50;
        write_config(&settings, &config);
        let mut worker = coalition();
        worker.arg("--config").arg(&config).arg("mail-worker");
        let mut worker = Process::spawn(worker);
        let delivered = smtp.wait_for(1).await;
        assert_eq!(delivered[0].recipients, ["bo@example.cn"], "[{backend}]");
        let status = worker.stop();
        assert!(
            status.is_some_and(|status| status.success()),
            "[{backend}] the worker stops cleanly: {status:?} {:?}",
            worker.log()
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn two_processes_share_live_events_through_redis() {
    let Ok(redis_url) = std::env::var("TEST_REDIS_URL") else {
        return; // Needs a Redis; in-process delivery is covered by the live tests.
    };
    for backend in backends() {
        let prefix = format!("coalition-test-{}:", uuid::Uuid::new_v4().simple());
        let configure = |settings: &mut coalition_server::config::Settings| {
            settings.redis.url = redis_url.clone();
            settings.redis.key_prefix = prefix.clone();
            // `wait_for_subscribers` reads the live-subscription gauge.
            settings.metrics.enabled = true;
        };
        let first = TestApp::spawn_binary(backend, &[], configure).await;
        let second = first.spawn_beside(configure).await;
        let (group, group_id) = first.group(0).await;
        let (_, coordinator) =
            coordinator_of(&first, group, "Claire Martin", "claire@example.fr").await;
        let (_, member) = signed_up(&first, "Amina Diallo", "amina@example.sn").await;

        let mut on_second = WsClient::initialised(&second, Some(&coordinator)).await;
        on_second
            .subscribe("g", GROUP_ACTIVITY, json!({ "group": group_id }))
            .await;
        wait_until_ready(&second).await;
        second.wait_for_subscribers(1).await;
        let (_, body) = first
            .graphql_as(&member, REQUEST, json!({ "group": group_id }))
            .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let event = loop {
            match on_second.receive_within(Duration::from_secs(10)).await {
                Some(Received::Message(message)) if message["type"] == "next" => break message,
                Some(Received::Message(_)) => {}
                other => panic!("[{backend}] no event on the second process: {other:?}"),
            }
        };
        assert_eq!(
            event["payload"]["data"]["groupActivity"]["verb"], "membership.requested",
            "[{backend}]"
        );
        second.finish().await;
        first.finish().await;
        remove_redis_keys(&redis_url, &prefix).await;
    }
}

async fn readiness(app: &TestApp) -> Value {
    app.client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz answers")
        .json()
        .await
        .expect("JSON")
}

/// Waits until `/readyz` says `ready` (the event bus subscribed), up to ten seconds.
async fn wait_until_ready(app: &TestApp) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        last = readiness(app).await;
        if last["status"] == "ready" {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("[{}] not ready: {last}", app.backend);
}

#[tokio::test]
async fn starts_degraded_while_redis_is_down_and_connects_when_it_comes() {
    if std::env::var("TEST_REDIS_URL").is_err() {
        return; // Needs redis-server, as a machine with TEST_REDIS_URL has.
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let url = format!("redis://127.0.0.1:{port}");
    let app = TestApp::spawn_binary(backends()[0], &[("COALITION_REDIS__URL", &url)], |_| {}).await;
    let ready = readiness(&app).await;
    assert_eq!(ready["status"], "degraded", "{ready}");
    let body = app.graphql("{ coalition { name } }", json!({})).await;
    assert!(body["errors"].is_null(), "queries are served: {body}");

    let _redis = OwnRedis::start(Some(port));
    let ready = wait_until_ready(&app).await;
    assert_eq!(ready["checks"]["redis"], "ok", "{ready}");
    app.finish().await;
}

#[test]
fn an_unreachable_database_is_retried_then_named_with_exit_code_2() {
    let output = run(
        &["migrate"],
        &[
            // Nothing listens on port 1 of the loopback interface.
            (
                "COALITION_DATABASE__URL",
                "postgres://coalition@127.0.0.1:1/coalition",
            ),
            ("COALITION_DATABASE__CONNECT_RETRY_SECS", "3"),
            ("COALITION_DATABASE__ACQUIRE_TIMEOUT_SECS", "1"),
        ],
    );
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    let last = text.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("coalition: database unreachable after 3 s")
            && last.contains("database.url"),
        "{text}"
    );
    assert!(text.contains("retrying"), "it retried first: {text}");
}

#[tokio::test]
async fn logs_are_one_json_object_a_line_when_asked() {
    let app = TestApp::spawn_binary(
        backends()[0],
        &[("COALITION_LOG__FORMAT", "json")],
        |settings| {
            settings.log.filter = "debug,sqlx=info,hyper=info,h2=info".to_owned();
        },
    )
    .await;
    app.graphql("{ coalition { name } }", json!({})).await;
    let log = app.server_log();
    assert!(log.len() > 3, "{log:?}");
    for line in &log {
        let parsed: Value =
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
        assert!(parsed["level"].is_string(), "{line}");
    }
    app.finish().await;
}

#[tokio::test]
async fn text_logs_carry_no_colour_codes_off_a_terminal() {
    let app = TestApp::spawn_binary(backends()[backends().len() - 1], &[], |_| {}).await;
    let log = app.server_log();
    assert!(!log.is_empty());
    assert!(
        log.iter().all(|line| !line.contains('\u{1b}')),
        "ANSI codes in a pipe: {log:?}"
    );
    assert!(
        log.iter().all(|line| !line.contains("already exists")),
        "database notices at start: {log:?}"
    );
    app.finish().await;
}

#[tokio::test]
async fn standard_introspection_queries_load_the_schema() {
    let app = TestApp::spawn_binary(backends()[0], &[], |_| {}).await;
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/introspection");
    let mut seen = 0;
    for entry in std::fs::read_dir(folder).expect("introspection fixtures") {
        let path = entry.expect("fixture").path();
        let query = std::fs::read_to_string(&path).expect("fixture text");
        let body = app.graphql(&query, json!({})).await;
        assert!(body["errors"].is_null(), "{}: {body}", path.display());
        assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
        seen += 1;
    }
    assert!(seen >= 1, "no fixture in {folder}");
    app.finish().await;
}

#[test]
fn a_bad_setting_names_its_key_and_exits_2() {
    for (key, value, named) in [
        ("COALITION_SERVER__BIND", "not-an-address", "server.bind"),
        (
            "COALITION_DATABASE__URL",
            "mysql://localhost/x",
            "database.url",
        ),
        ("COALITION_MAIL__SMTP_URL", "not a url", "mail.smtp_url"),
        ("COALITION_GRAPHQL__MAX_ALIASES", "0", "graphql.max_aliases"),
        ("COALITION_SERVER__BIDN", "127.0.0.1:1", "bidn"),
    ] {
        let output = run(&["migrate"], &[(key, value)]);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{key}: {text}");
        assert!(text.contains(named), "{key}: {text}");
        assert!(!text.contains("panicked"), "{key}: {text}");
    }
    let output = run(&["--config", "/nonexistent/coalition.toml", "migrate"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("coalition.toml"));
}

#[tokio::test]
async fn smtp_settings_do_not_abort_the_mail_worker_or_migrate() {
    let database = TestDatabase::create(backends()[0]).await;
    // An SMTP server that is down: the worker starts anyway and retries later.
    let key_file = database.scratch_dir.join("mail-token.key");
    let env = [
        ("COALITION_DATABASE__URL", database.url.as_str()),
        ("COALITION_MAIL__SMTP_URL", "smtp://127.0.0.1:9"),
        ("COALITION_MAIL__TOKEN_KEY_FILE", key_file.to_str().unwrap()),
    ];
    let output = run(&["migrate"], &env);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut command = coalition();
    command.arg("mail-worker").envs(env);
    let mut worker = Process::spawn(command);
    assert!(
        worker
            .wait_for_line("mail worker started", Duration::from_secs(30))
            .is_some(),
        "{:?}",
        worker.log()
    );
    let status = worker.stop();
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?} {:?}",
        worker.log()
    );
}

#[tokio::test]
async fn a_config_file_is_read_and_the_environment_overrides_it() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let config = database.scratch_dir.join("coalition.toml");
        let from_file = match backend {
            coalition_tests::Backend::Sqlite => {
                format!("sqlite://{}/from-file.db", database.scratch_dir.display())
            }
            coalition_tests::Backend::Postgres => database.url.clone(),
        };
        std::fs::write(
            &config,
            format!("[database]\nurl = \"{from_file}\"\n[server]\nbind = \"127.0.0.1:1\"\n"),
        )
        .expect("config written");
        let config = config.display().to_string();
        let output = run(&["--config", &config, "migrate"], &[]);
        assert!(output.status.success(), "[{backend}] {}", stderr(&output));
        if backend == coalition_tests::Backend::Sqlite {
            assert!(database.scratch_dir.join("from-file.db").exists());
        }

        let from_env = format!("sqlite://{}/from-env.db", database.scratch_dir.display());
        let output = run(
            &["--config", &config, "seed"],
            &[("COALITION_DATABASE__URL", &from_env)],
        );
        assert!(output.status.success(), "[{backend}] {}", stderr(&output));
        assert!(database.scratch_dir.join("from-env.db").exists());
    }
}

#[tokio::test]
async fn migrate_then_seed_twice_changes_nothing_the_second_time() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let env = [("COALITION_DATABASE__URL", database.url.as_str())];
        let output = run(&["migrate"], &env);
        assert!(output.status.success(), "[{backend}] {}", stderr(&output));
        let first = run(&["seed"], &env);
        assert!(first.status.success(), "[{backend}] {}", stderr(&first));
        assert!(
            stderr(&first).contains("working_groups=4"),
            "[{backend}] {}",
            stderr(&first)
        );
        let second = run(&["seed"], &env);
        assert!(second.status.success(), "[{backend}] {}", stderr(&second));
        assert!(
            stderr(&second).contains("working_groups=0"),
            "[{backend}] {}",
            stderr(&second)
        );
    }
}

#[test]
fn export_schema_prints_the_checked_in_sdl() {
    let output = run(&["export-schema"], &[]);
    assert!(output.status.success());
    let sdl = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(sdl, coalition_api::sdl());
    let checked_in = include_str!("../../schema.graphql");
    assert_eq!(sdl, checked_in, "run `make schema`");
}

#[tokio::test]
async fn create_admin_creates_then_promotes() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let mail = database.scratch_dir.join("mail").display().to_string();
        let key_file = database
            .scratch_dir
            .join("mail-token.key")
            .display()
            .to_string();
        let admin = |stdin: &'static str| {
            let mut command = coalition();
            command
                .args(["create-admin", "--email", "Secretariat@Example.org"])
                .env("COALITION_DATABASE__URL", &database.url)
                .env("COALITION_MAIL__FILE_DIR", &mail)
                .env("COALITION_MAIL__TOKEN_KEY_FILE", &key_file)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = command.spawn().expect("create-admin runs");
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(stdin.as_bytes())
                .expect("password written");
            child.wait_with_output().expect("create-admin ends")
        };
        let refused = admin("password1\n");
        assert!(
            !refused.status.success(),
            "[{backend}] a common password is refused"
        );
        assert!(
            stderr(&refused).contains("most common"),
            "[{backend}] {}",
            stderr(&refused)
        );

        let created = admin("a secretariat passphrase\n");
        assert!(created.status.success(), "[{backend}] {}", stderr(&created));
        assert!(String::from_utf8_lossy(&created.stdout).contains("created administrator"));

        let promoted = admin("");
        assert!(
            promoted.status.success(),
            "[{backend}] {}",
            stderr(&promoted)
        );
        assert!(String::from_utf8_lossy(&promoted.stdout).contains("promoted to administrator"));
    }
}

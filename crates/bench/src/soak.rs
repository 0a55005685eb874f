//! Soak test (a benchmark, not a CI test): two release `coalition` instances sharing
//! PostgreSQL and Redis and sending mail to a real SMTP listener, under a fixed mix of
//! queries, mutations and subscriptions for `SOAK_MINUTES` (default 10). Reports the
//! resident memory of both processes over time, errors, mail delivered once, and
//! subscription events received against those published.
//!
//! `make soak` runs it; `bench-soak --help` lists the options.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use coalition_tests::smtp::SmtpServer;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

mod common;

/// Subscribers per instance, all on the first group's activity.
const SUBSCRIBERS: usize = 25;
/// One tick of the mix: two queries on each instance; every 5th tick a mutation that
/// publishes an event; every 20th a registration that queues a mail.
const TICK: Duration = Duration::from_millis(100);

struct Options {
    server: PathBuf,
    minutes: f64,
    postgres: String,
    redis: String,
}

fn options() -> Options {
    let mut options = Options {
        server: PathBuf::from("target/release/coalition"),
        minutes: std::env::var("SOAK_MINUTES")
            .ok()
            .and_then(|minutes| minutes.parse().ok())
            .unwrap_or(10.0),
        postgres: "postgres://postgres@127.0.0.1:5432".to_owned(),
        redis: "redis://127.0.0.1:6379".to_owned(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--server" => options.server = args.next().expect("--server PATH").into(),
            "--minutes" => {
                options.minutes = args.next().expect("--minutes N").parse().expect("a number")
            }
            "--postgres" => options.postgres = args.next().expect("--postgres URL"),
            "--redis" => options.redis = args.next().expect("--redis URL"),
            _ => {
                eprintln!(
                    "usage: bench-soak [--server PATH] [--minutes N (or SOAK_MINUTES)] [--postgres postgres://USER@HOST:PORT] [--redis URL]"
                );
                std::process::exit(2);
            }
        }
    }
    options
}

/// One `coalition` instance as a child process.
struct Instance {
    child: Child,
    address: String,
}

/// The environment both instances share: the database, Redis, SMTP, and rate limits
/// raised for one client address doing everything.
fn environment(command: &mut Command, database: &str, redis: &str, smtp: &str, run: &str) {
    command
        .env("COALITION_DATABASE__URL", database)
        .env("COALITION_REDIS__URL", redis)
        .env("COALITION_REDIS__KEY_PREFIX", format!("{run}:"))
        .env("COALITION_MAIL__SMTP_URL", smtp)
        .env("COALITION_MAIL__POLL_INTERVAL_MS", "200")
        .env("COALITION_SERVER__BIND", "127.0.0.1:0")
        .env("COALITION_LOG__FILTER", "coalition_server=info,warn")
        .env(
            "COALITION_RATE_LIMITS__REGISTRATION_PER_ADDRESS__MAX",
            "1000000",
        )
        .env("COALITION_RATE_LIMITS__LOGIN_PER_ADDRESS__MAX", "1000000");
}

impl Instance {
    fn start(binary: &PathBuf, setup: impl Fn(&mut Command), errors: Arc<AtomicUsize>) -> Self {
        let mut command = Command::new(binary);
        setup(&mut command);
        let (child, address) = common::serve(command, move |line| {
            if line.contains("ERROR") {
                // Logged errors count with the failed requests.
                errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("server: {line}");
            }
        });
        Self { child, address }
    }

    fn resident_kib(&self) -> u64 {
        common::resident_kib(self.child.id())
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // SIGTERM and a clean exit, as a supervisor stops it.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// A GraphQL request; `None` (and one error counted) on any failure or `errors` entry.
async fn graphql(
    client: &reqwest::Client,
    address: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
    errors: &AtomicUsize,
) -> Option<Value> {
    let mut request = client
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Option<Value> = match request.send().await {
        Ok(response) => response.json().await.ok(),
        Err(_) => None,
    };
    match body {
        Some(body) if body["errors"].is_null() => Some(body),
        other => {
            errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("request failed: {other:?}");
            None
        }
    }
}

/// Opens a subscription to the group's activity and counts the events it receives.
async fn subscribe(address: &str, token: &str, group: &str, received: Arc<AtomicUsize>) {
    let mut socket = common::subscribe_to_group(address, token, group).await;
    tokio::spawn(async move {
        while let Some(Ok(message)) = socket.next().await {
            match message {
                Message::Text(text) if text.contains("\"next\"") => {
                    received.fetch_add(1, Ordering::Relaxed);
                }
                Message::Text(text) if text.contains("\"ping\"") => {
                    let pong = json!({ "type": "pong" }).to_string();
                    let _ = socket.send(Message::Text(pong.into())).await;
                }
                _ => {}
            }
        }
    });
}

fn psql(postgres: &str, statement: &str) {
    let status = Command::new("psql")
        .args([&format!("{postgres}/postgres"), "-q", "-c", statement])
        .status()
        .expect("psql runs");
    assert!(status.success(), "psql: {statement}");
}

async fn soak(options: &Options) {
    let run = format!("coalition_soak_{}", std::process::id());
    psql(&options.postgres, &format!("CREATE DATABASE {run}"));
    let database = format!("{}/{run}", options.postgres);
    let smtp = SmtpServer::start().await;
    let errors = Arc::new(AtomicUsize::new(0));
    let setup = |command: &mut Command| {
        environment(command, &database, &options.redis, &smtp.url(), &run);
    };

    let mut admin = Command::new(&options.server);
    setup(&mut admin);
    common::create_admin(admin, "admin@example.org", "a soak test passphrase");
    let instances = [
        Instance::start(&options.server, setup, errors.clone()),
        Instance::start(&options.server, setup, errors.clone()),
    ];
    let addresses: Vec<String> = instances.iter().map(|i| i.address.clone()).collect();

    let http = reqwest::Client::new();
    let login = graphql(&http, &addresses[0], None, "mutation { login(email: \"admin@example.org\", password: \"a soak test passphrase\") { token } }", json!({}), &errors).await.expect("signed in");
    let token = login["data"]["login"]["token"].as_str().unwrap().to_owned();
    let groups = graphql(
        &http,
        &addresses[0],
        None,
        "{ workingGroups { id } }",
        json!({}),
        &errors,
    )
    .await
    .unwrap();
    let group = groups["data"]["workingGroups"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let received = Arc::new(AtomicUsize::new(0));
    for address in &addresses {
        for _ in 0..SUBSCRIBERS {
            subscribe(address, &token, &group, received.clone()).await;
        }
    }
    // Subscriptions are registered asynchronously; give them a moment before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;

    println!("| minute | RSS instance 1 | RSS instance 2 | requests | errors |");
    println!("|---:|---:|---:|---:|---:|");
    let rss = |at: f64, requests: usize, errors: usize| {
        println!(
            "| {at:.1} | {} MiB | {} MiB | {requests} | {errors} |",
            instances[0].resident_kib() / 1024,
            instances[1].resident_kib() / 1024,
        );
    };
    rss(0.0, 0, errors.load(Ordering::Relaxed));
    let started = Instant::now();
    let length = Duration::from_secs_f64(options.minutes * 60.0);
    let mut ticker = tokio::time::interval(TICK);
    let (mut requests, mut published, mut registered) = (0usize, 0usize, 0usize);
    let mut next_report = Duration::from_secs(60);
    let policies = ["OPEN", "MODERATED"];
    let mut tick = 0usize;
    while started.elapsed() < length {
        ticker.tick().await;
        for address in &addresses {
            for query in ["{ workingGroups { id name } }", "{ coalition { name } }"] {
                graphql(&http, address, Some(&token), query, json!({}), &errors).await;
                requests += 1;
            }
        }
        let address = &addresses[tick % 2];
        if tick.is_multiple_of(5) {
            let body = graphql(
                &http,
                address,
                Some(&token),
                "mutation ($g: ID!, $p: JoinPolicy!) { setJoinPolicy(groupId: $g, joinPolicy: $p) { joinPolicy } }",
                json!({ "g": group, "p": policies[(tick / 5) % 2] }),
                &errors,
            )
            .await;
            requests += 1;
            published += usize::from(body.is_some());
        }
        if tick.is_multiple_of(20) {
            let input = json!({
                "email": format!("soak{registered}@example.org"),
                "password": "a soak test passphrase",
                "displayName": format!("Soak {registered}"),
                "organisation": "Soak",
                "country": "KE",
                "stakeholderType": "CIVIL_SOCIETY",
                "preferredLanguage": "en",
                "timeZone": "Africa/Nairobi",
            });
            let body = graphql(
                &http,
                // Alternating: a tick that registers is always even.
                &addresses[(tick / 20) % 2],
                None,
                "mutation ($input: RegisterInput!) { register(input: $input) }",
                json!({ "input": input }),
                &errors,
            )
            .await;
            requests += 1;
            registered += usize::from(body.is_some());
        }
        tick += 1;
        if started.elapsed() >= next_report {
            rss(
                started.elapsed().as_secs_f64() / 60.0,
                requests,
                errors.load(Ordering::Relaxed),
            );
            next_report += Duration::from_secs(60);
        }
    }
    // The last row, unless a minute's row has just been printed.
    if started.elapsed() > next_report - Duration::from_secs(59) {
        rss(
            started.elapsed().as_secs_f64() / 60.0,
            requests,
            errors.load(Ordering::Relaxed),
        );
    }

    // Let the last mail go out and the last events arrive.
    let expected_events = published * SUBSCRIBERS * addresses.len();
    let drain = Instant::now();
    while drain.elapsed() < Duration::from_secs(60)
        && (smtp.delivered().len() < registered
            || received.load(Ordering::Relaxed) < expected_events)
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut copies = BTreeMap::<String, usize>::new();
    for mail in smtp.delivered() {
        // Only the registrations' mail: the coordinator's own notifications vary.
        for recipient in mail
            .recipients
            .into_iter()
            .filter(|r| r.starts_with("soak"))
        {
            *copies.entry(recipient).or_default() += 1;
        }
    }
    let once = copies.values().filter(|count| **count == 1).count();
    let more = copies.values().filter(|count| **count > 1).count();
    println!();
    println!("| figure | value |");
    println!("|---|---:|");
    println!(
        "| duration | {:.1} min |",
        started.elapsed().as_secs_f64() / 60.0
    );
    println!("| requests (queries and mutations) | {requests} |");
    println!(
        "| errors (failed requests and logged errors) | {} |",
        errors.load(Ordering::Relaxed)
    );
    println!("| mails queued (registrations) | {registered} |");
    println!(
        "| mails delivered exactly once / more than once / missing | {once} / {more} / {} |",
        registered.saturating_sub(copies.len())
    );
    println!(
        "| events published × subscribers ({} on each instance) | {expected_events} |",
        SUBSCRIBERS
    );
    println!("| events received | {} |", received.load(Ordering::Relaxed));
    drop(instances);
    psql(
        &options.postgres,
        &format!("DROP DATABASE IF EXISTS {run} WITH (FORCE)"),
    );
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(soak(&options));
}

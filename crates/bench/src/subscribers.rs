//! Live-update fan-out benchmark: starts the real `coalition` server as a child process,
//! opens N WebSocket subscribers to one group's activity, fires events one at a time and
//! measures, for every subscriber and event, the time from sending the mutation to
//! receiving the event; and the server's resident memory per connection. Runs in process
//! and through Redis, side by side.
//!
//! `make bench` runs it; `bench-subscribers --help` lists the options.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::{Barrier, mpsc};
use tokio_tungstenite::tungstenite::Message;

mod common;

struct Options {
    server: PathBuf,
    subscribers: Vec<usize>,
    events: usize,
    redis: Option<String>,
}

fn options() -> Options {
    let mut options = Options {
        server: PathBuf::from("target/release/coalition"),
        subscribers: vec![100, 1_000, 10_000],
        events: 20,
        redis: Some("redis://127.0.0.1:6379".to_owned()),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--server" => options.server = args.next().expect("--server PATH").into(),
            "--subscribers" => {
                options.subscribers = args
                    .next()
                    .expect("--subscribers N[,N…]")
                    .split(',')
                    .map(|n| n.trim().parse().expect("a number"))
                    .collect();
            }
            "--events" => {
                options.events = args.next().expect("--events N").parse().expect("a number")
            }
            "--redis" => options.redis = Some(args.next().expect("--redis URL")),
            "--no-redis" => options.redis = None,
            _ => {
                eprintln!(
                    "usage: bench-subscribers [--server PATH] [--subscribers 100,1000,10000] [--events 20] [--redis URL | --no-redis]"
                );
                std::process::exit(2);
            }
        }
    }
    options
}

/// A `coalition` server running as a child process on a fresh SQLite database.
struct Server {
    child: Child,
    address: String,
    folder: PathBuf,
}

/// The WebSocket limits the benchmark's server runs with: above any run's size.
const SOCKET_LIMIT: &str = "100000";

impl Server {
    fn start(binary: &PathBuf, redis: Option<&str>) -> Self {
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let folder =
            std::env::temp_dir().join(format!("coalition-bench-{}-{run}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let environment = |command: &mut Command| {
            command
                .env(
                    "COALITION_DATABASE__URL",
                    format!("sqlite://{}/bench.db", folder.display()),
                )
                .env("COALITION_MAIL__FILE_DIR", folder.join("mail"))
                .env("COALITION_SERVER__BIND", "127.0.0.1:0")
                .env("COALITION_LOG__FILTER", "coalition_server=info,warn")
                .env("COALITION_WEBSOCKET__PING_INTERVAL_SECS", "300")
                // Every subscriber comes from this one loopback address: the limits meant
                // for real clients (100 per address, 10,000 in all) would refuse the run.
                .env("COALITION_WEBSOCKET__MAX_CONNECTIONS", SOCKET_LIMIT)
                .env(
                    "COALITION_WEBSOCKET__MAX_CONNECTIONS_PER_CLIENT",
                    SOCKET_LIMIT,
                )
                .env(
                    "COALITION_REDIS__KEY_PREFIX",
                    format!("coalition-bench-{}:", std::process::id()),
                )
                .env("COALITION_REDIS__URL", redis.unwrap_or(""));
        };
        let mut admin = Command::new(binary);
        environment(&mut admin);
        common::create_admin(admin, "bench@example.org", "a benchmark passphrase");

        let mut command = Command::new(binary);
        environment(&mut command);
        let (child, address) = common::serve(command, |_| {});
        Self {
            child,
            address,
            folder,
        }
    }

    fn resident_kib(&self) -> u64 {
        common::resident_kib(self.child.id())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

async fn graphql(
    client: &reqwest::Client,
    server: &Server,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(format!("{}/graphql", server.address))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

struct Figures {
    subscribers: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
    kib_per_connection: f64,
}

async fn run(options: &Options, subscribers: usize, redis: Option<&str>) -> Figures {
    let server = Server::start(&options.server, redis);
    let http = reqwest::Client::new();
    let login = graphql(&http, &server, None, "mutation { login(email: \"bench@example.org\", password: \"a benchmark passphrase\") { token } }", json!({})).await;
    let token = login["data"]["login"]["token"]
        .as_str()
        .expect("signed in")
        .to_owned();
    let groups = graphql(&http, &server, None, "{ workingGroups { id } }", json!({})).await;
    let group = groups["data"]["workingGroups"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let baseline = server.resident_kib();

    // Every subscriber reports each event's arrival instant on this channel.
    let (arrivals, mut arrived) = mpsc::unbounded_channel::<(usize, Instant)>();
    let ready = Arc::new(Barrier::new(subscribers + 1));
    let connect_limit = Arc::new(tokio::sync::Semaphore::new(256));
    for _ in 0..subscribers {
        let (address, token, group, arrivals, ready, limit) = (
            server.address.clone(),
            token.clone(),
            group.clone(),
            arrivals.clone(),
            ready.clone(),
            connect_limit.clone(),
        );
        tokio::spawn(async move {
            let permit = limit.acquire().await.unwrap();
            let mut socket = common::subscribe_to_group(&address, &token, &group).await;
            drop(permit);
            ready.wait().await;
            let mut count = 0;
            while let Some(Ok(message)) = socket.next().await {
                if let Message::Text(text) = message
                    && text.contains("\"next\"")
                {
                    let _ = arrivals.send((count, Instant::now()));
                    count += 1;
                }
            }
        });
    }
    ready.wait().await;
    // Let the last subscriptions reach the bus.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let connected = server.resident_kib();

    let mut latencies = Vec::with_capacity(subscribers * options.events);
    let policies = ["OPEN", "MODERATED"];
    for event in 0..options.events {
        let sent = Instant::now();
        let body = graphql(
            &http,
            &server,
            Some(&token),
            "mutation ($g: ID!, $p: JoinPolicy!) { setJoinPolicy(groupId: $g, joinPolicy: $p) { joinPolicy } }",
            json!({ "g": group, "p": policies[event % 2] }),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
        let mut received = 0;
        while received < subscribers {
            let (index, at) = tokio::time::timeout(Duration::from_secs(30), arrived.recv())
                .await
                .expect("every subscriber receives the event")
                .unwrap();
            assert_eq!(index, event, "events arrive in order");
            latencies.push(at - sent);
            received += 1;
        }
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    Figures {
        subscribers,
        p50: at(0.50),
        p99: at(0.99),
        max: *latencies.last().unwrap(),
        kib_per_connection: connected.saturating_sub(baseline) as f64 / subscribers as f64,
    }
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("| subscribers | bus | p50 | p99 | max | server memory per connection |");
    println!("|---:|---|---:|---:|---:|---:|");
    for &subscribers in &options.subscribers {
        let mut buses: Vec<(&str, Option<&str>)> = vec![("in process", None)];
        if let Some(redis) = options.redis.as_deref() {
            buses.push(("Redis", Some(redis)));
        }
        for (name, redis) in buses {
            let figures = runtime.block_on(run(&options, subscribers, redis));
            println!(
                "| {} | {name} | {:.2} ms | {:.2} ms | {:.2} ms | {:.1} KiB |",
                figures.subscribers,
                figures.p50.as_secs_f64() * 1e3,
                figures.p99.as_secs_f64() * 1e3,
                figures.max.as_secs_f64() * 1e3,
                figures.kib_per_connection,
            );
        }
    }
}

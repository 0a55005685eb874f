//! API benchmark: the real release `coalition` server over the demo population
//! (`coalition seed --demo`), on SQLite and, when `BENCH_DATABASE_URL` or
//! `TEST_DATABASE_URL` names a PostgreSQL server, on PostgreSQL; driven by concurrent
//! clients through the dashboard alone, then a fixed mix (dashboard, a filtered members
//! page, a person's upcoming meetings, an RSVP). In the same run, a raw-SQL baseline (an
//! axum handler with hand-written SQL, `baseline.rs`) answers the dashboard, and our
//! dashboard throughput is printed as a ratio of it. With `--server-system-alloc`, a second
//! server binary (built without the `mimalloc` feature) runs the same phases.
//!
//! `make bench-api` runs it; `bench-api --help` lists the options.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod baseline;

const DASHBOARD: &str = "{ workingGroups { name summary members(first: 50) { totalCount edges { node { role since person { displayName organisation country } } } } } }";
const MEMBERS_PAGE: &str = "query ($g: ID!, $r: UnescoRegion!) { workingGroup(id: $g) { members(first: 20, filter: { region: $r }) { totalCount edges { node { role since person { displayName organisation country } } } } } }";
const UPCOMING: &str = "{ me { upcomingMeetings(days: 60) { startsAt meeting { id title } } } }";
const RSVP: &str = "mutation ($m: ID!, $r: RsvpResponse!) { rsvp(meetingId: $m, response: $r) }";
const REGIONS: [&str; 5] = [
    "AFRICA",
    "ARAB_STATES",
    "ASIA_AND_THE_PACIFIC",
    "EUROPE_AND_NORTH_AMERICA",
    "LATIN_AMERICA_AND_THE_CARIBBEAN",
];
const ANSWERS: [&str; 3] = ["YES", "MAYBE", "NO"];
/// The password `coalition seed --demo` gives every demo account.
const DEMO_PASSWORD: &str = "open-educational-resources";

struct Options {
    server: PathBuf,
    system_alloc: Option<PathBuf>,
    scale: u32,
    clients: usize,
    seconds: u64,
    postgres: Option<String>,
}

fn options() -> Options {
    let postgres = ["BENCH_DATABASE_URL", "TEST_DATABASE_URL"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|url| !url.is_empty()));
    let mut options = Options {
        server: PathBuf::from("target/release/coalition"),
        system_alloc: None,
        scale: 5000,
        clients: 16,
        seconds: 10,
        postgres,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--server" => options.server = args.next().expect("--server PATH").into(),
            "--server-system-alloc" => {
                options.system_alloc = Some(args.next().expect("--server-system-alloc PATH").into())
            }
            "--scale" => options.scale = args.next().expect("--scale N").parse().expect("a number"),
            "--clients" => {
                options.clients = args.next().expect("--clients N").parse().expect("a number")
            }
            "--seconds" => {
                options.seconds = args.next().expect("--seconds N").parse().expect("a number")
            }
            "--no-postgres" => options.postgres = None,
            "--baseline-serve" => {
                let url = args.next().expect("--baseline-serve DATABASE_URL PAGING");
                let paging = args
                    .next()
                    .and_then(|name| baseline::Paging::parse(&name))
                    .expect("--baseline-serve DATABASE_URL window|limit");
                let runtime = tokio::runtime::Runtime::new().expect("a runtime");
                runtime.block_on(baseline::serve(&url, paging));
                std::process::exit(0);
            }
            _ => {
                eprintln!(
                    "usage: bench-api [--server PATH] [--server-system-alloc PATH] [--scale 5000] [--clients 16] [--seconds 10] [--no-postgres]\n\
                     PostgreSQL runs too when BENCH_DATABASE_URL or TEST_DATABASE_URL is set (a database is created and dropped)."
                );
                std::process::exit(2);
            }
        }
    }
    options
}

/// A child process serving HTTP, killed on drop.
struct Process {
    child: Child,
    address: String,
}

impl Process {
    /// Starts `command` and waits for its `listening on http://…` line.
    fn start(mut command: Command) -> Self {
        let mut child = command
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("the process starts");
        let stderr = child.stderr.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let _ = sender.send(line[at + "listening on ".len()..].trim().to_owned());
                }
            }
        });
        let address = receiver
            .recv_timeout(Duration::from_secs(120))
            .expect("the process listens");
        Self { child, address }
    }

    /// Peak resident memory (VmHWM) so far, in MiB.
    fn peak_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| {
                value
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or(0.0, |kib| kib / 1024.0)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One database with the demo population.
struct Database {
    label: &'static str,
    url: String,
    folder: PathBuf,
    drop_postgres: Option<(String, String)>,
}

impl Database {
    fn environment(&self, command: &mut Command) {
        command
            .env("COALITION_DATABASE__URL", &self.url)
            .env("COALITION_MAIL__FILE_DIR", self.folder.join("mail"))
            .env("COALITION_STORAGE__DIR", self.folder.join("files"))
            .env(
                "COALITION_MAIL__TOKEN_KEY_FILE",
                self.folder.join("mail-token.key"),
            )
            .env("COALITION_SERVER__BIND", "127.0.0.1:0")
            .env("COALITION_LOG__FILTER", "coalition_server=info,warn")
            .env("COALITION_METRICS__ENABLED", "false");
    }

    /// Seeds `scale` demo people with `server`, printing how long it took.
    fn seed(&self, server: &Path, scale: u32) {
        let mut command = Command::new(server);
        self.environment(&mut command);
        let started = Instant::now();
        let output = command
            .args(["seed", "--demo", "--scale", &scale.to_string()])
            .output()
            .expect("coalition seed runs");
        assert!(
            output.status.success(),
            "seed failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        println!(
            "[{}] seed --demo --scale {scale}: {:.1} s ({})",
            self.label,
            started.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&output.stdout).trim()
        );
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
        if let Some((admin, name)) = self.drop_postgres.take() {
            // Dropped inside the benchmark's runtime, which cannot block on itself.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Runtime::new().unwrap();
                runtime.block_on(async {
                    use sea_orm::ConnectionTrait;
                    if let Ok(db) = sea_orm::Database::connect(&admin).await {
                        let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = db.execute_unprepared(&statement).await;
                    }
                });
            });
            let _ = dropped.join();
        }
    }
}

fn sqlite_database() -> Database {
    let folder = std::env::temp_dir().join(format!("coalition-bench-api-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    Database {
        label: "sqlite",
        url: format!("sqlite://{}/bench.db", folder.display()),
        folder,
        drop_postgres: None,
    }
}

async fn postgres_database(admin: &str) -> Database {
    use sea_orm::ConnectionTrait;
    let name = format!("coalition_bench_{}", std::process::id());
    let db = sea_orm::Database::connect(admin)
        .await
        .expect("PostgreSQL answers");
    db.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    db.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
    let folder =
        std::env::temp_dir().join(format!("coalition-bench-api-pg-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    Database {
        label: "postgres",
        url: format!("{base}/{name}"),
        folder,
        drop_postgres: Some((admin.to_owned(), name)),
    }
}

/// A prepared request: the JSON body and the token to send it with.
#[derive(Clone)]
struct Request {
    body: Arc<Vec<u8>>,
    token: Option<Arc<str>>,
}

/// What a load phase measured.
struct Figures {
    requests: usize,
    errors: usize,
    /// The first failed answer, so that an error count comes with its cause.
    first_error: Option<String>,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

impl Figures {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn line(&self) -> String {
        let mut line = format!(
            "{:>8.0} req/s  p50 {:>6.1} ms  p99 {:>6.1} ms  ({} requests, {} errors)",
            self.per_second(),
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
            self.requests,
            self.errors
        );
        if let Some(error) = &self.first_error {
            line.push_str(&format!("\n    first error: {error}"));
        }
        line
    }
}

/// `clients` concurrent clients, each with a connection of its own, send the requests of
/// its schedule in turn for `seconds`.
async fn drive(address: &str, schedules: Vec<Vec<Request>>, seconds: u64) -> Figures {
    let url = format!("{address}/graphql");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = schedules
        .into_iter()
        .map(|schedule| {
            let url = url.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()
                    .unwrap();
                let mut latencies = Vec::new();
                let mut errors = 0;
                let mut first_error = None;
                let mut next = 0;
                while Instant::now() < deadline {
                    let request = &schedule[next % schedule.len()];
                    next += 1;
                    let mut builder = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(Vec::clone(&request.body));
                    if let Some(token) = &request.token {
                        builder = builder.bearer_auth(token);
                    }
                    let sent = Instant::now();
                    let failure = match builder.send().await {
                        Ok(response) => {
                            let status = response.status();
                            let body = response.bytes().await.unwrap_or_default();
                            (!status.is_success() || contains(&body, b"\"errors\"")).then(|| {
                                let query = String::from_utf8_lossy(&request.body);
                                let answer = String::from_utf8_lossy(&body);
                                format!("{status} for {:.120} → {:.300}", query, answer)
                            })
                        }
                        Err(error) => Some(error.to_string()),
                    };
                    latencies.push(sent.elapsed());
                    if let Some(failure) = failure {
                        errors += 1;
                        first_error.get_or_insert(failure);
                    }
                }
                (latencies, errors, first_error)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for task in tasks {
        let (mine, failed, first) = task.await.unwrap();
        latencies.extend(mine);
        errors += failed;
        first_error = first_error.or(first);
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Figures {
        requests: latencies.len(),
        errors,
        first_error,
        elapsed,
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn body(query: &str, variables: Value) -> Arc<Vec<u8>> {
    Arc::new(serde_json::to_vec(&json!({ "query": query, "variables": variables })).unwrap())
}

async fn post(client: &reqwest::Client, address: &str, token: Option<&str>, body: &[u8]) -> Value {
    let mut request = client
        .post(format!("{address}/graphql"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// Signs in demo people 2 to `clients + 1` and prepares each client's schedule: the
/// dashboard alone, or the mix (per 10 requests: 4 dashboards, 3 members pages, 2
/// upcoming-meetings lists, 1 RSVP).
async fn schedules(address: &str, clients: usize) -> (Vec<Vec<Request>>, Vec<Vec<Request>>) {
    let client = reqwest::Client::new();
    let groups = post(
        &client,
        address,
        None,
        &body("{ workingGroups { id } }", json!({})),
    )
    .await;
    let groups: Vec<String> = groups["data"]["workingGroups"]
        .as_array()
        .expect("working groups")
        .iter()
        .map(|group| group["id"].as_str().unwrap().to_owned())
        .collect();
    let mut dashboards = Vec::new();
    let mut mixes = Vec::new();
    for index in 0..clients {
        let email = format!("demo-{:05}@demo.invalid", index + 2);
        let login = post(
            &client,
            address,
            None,
            &body(
                "mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                json!({ "e": email, "p": DEMO_PASSWORD }),
            ),
        )
        .await;
        let token: Arc<str> = login["data"]["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("{email} signs in: {login}"))
            .into();
        let meeting = answerable_meeting(&client, address, &token).await;
        let signed = |body: Arc<Vec<u8>>| Request {
            body,
            token: Some(token.clone()),
        };
        dashboards.push(vec![signed(body(DASHBOARD, json!({})))]);
        let mut mix = Vec::new();
        for slot in 0..10 {
            let request = match slot {
                0 | 3 | 6 | 8 => signed(body(DASHBOARD, json!({}))),
                1 | 4 | 7 => signed(body(
                    MEMBERS_PAGE,
                    json!({ "g": groups[(index + slot) % groups.len()], "r": REGIONS[(index + slot) % REGIONS.len()] }),
                )),
                2 | 5 => signed(body(UPCOMING, json!({}))),
                _ => match &meeting {
                    Some(meeting) => signed(body(
                        RSVP,
                        json!({ "m": meeting, "r": ANSWERS[index % ANSWERS.len()] }),
                    )),
                    None => signed(body(UPCOMING, json!({}))),
                },
            };
            mix.push(request);
        }
        mixes.push(mix);
    }
    (dashboards, mixes)
}

/// The first upcoming meeting of a group in which the signed-in person takes full part
/// (observers read only, so their RSVP would be refused).
async fn answerable_meeting(
    client: &reqwest::Client,
    address: &str,
    token: &str,
) -> Option<String> {
    const MINE: &str = "{ me { memberships { role status workingGroup { id } } \
        upcomingMeetings(days: 60) { meeting { id workingGroup { id } } } } }";
    let me = post(client, address, Some(token), &body(MINE, json!({}))).await;
    let me = &me["data"]["me"];
    let contributing: Vec<&str> = me["memberships"]
        .as_array()?
        .iter()
        .filter(|membership| membership["status"] == "ACTIVE" && membership["role"] != "OBSERVER")
        .filter_map(|membership| membership["workingGroup"]["id"].as_str())
        .collect();
    me["upcomingMeetings"]
        .as_array()?
        .iter()
        .map(|occurrence| &occurrence["meeting"])
        .find(|meeting| {
            meeting["workingGroup"]["id"]
                .as_str()
                .is_some_and(|group| contributing.contains(&group))
        })
        .and_then(|meeting| meeting["id"].as_str().map(str::to_owned))
}

/// Runs the dashboard and the mix against `binary` over `database`; returns the dashboard's
/// throughput. First checks that the baseline at `baseline` answers the dashboard with the
/// same JSON as the server (signed in as the clients are).
async fn measure_server(
    label: &str,
    binary: &Path,
    database: &Database,
    options: &Options,
    baseline: &str,
) -> f64 {
    let mut command = Command::new(binary);
    database.environment(&mut command);
    command.arg("serve");
    let server = Process::start(command);
    let (dashboards, mixes) = schedules(&server.address, options.clients).await;
    let client = reqwest::Client::new();
    let request = &dashboards[0][0];
    let ours = post(
        &client,
        &server.address,
        request.token.as_deref(),
        &request.body,
    )
    .await;
    let theirs = post(&client, baseline, None, &request.body).await;
    if ours == theirs {
        println!(
            "[{}] {label:<28} answers the dashboard exactly as the baseline does",
            database.label
        );
    } else {
        println!(
            "[{}] WARNING: {label} and the baseline answer differently:\n  server:   {:.400}\n  baseline: {:.400}",
            database.label,
            ours.to_string(),
            theirs.to_string()
        );
    }
    // A short warm-up: caches, pool connections, prepared statements.
    drive(&server.address, dashboards.clone(), 1).await;
    let dashboard = drive(&server.address, dashboards, options.seconds).await;
    println!(
        "[{}] {label:<28} dashboard {}",
        database.label,
        dashboard.line()
    );
    let mix = drive(&server.address, mixes, options.seconds).await;
    println!("[{}] {label:<28} mix       {}", database.label, mix.line());
    println!(
        "[{}] {label:<28} peak RSS {:.1} MiB",
        database.label,
        server.peak_mib()
    );
    dashboard.per_second()
}

/// Measures a baseline on the dashboard; returns its throughput.
async fn measure_baseline(
    baseline: &Process,
    paging: baseline::Paging,
    database: &Database,
    options: &Options,
) -> f64 {
    let request = Request {
        body: body(DASHBOARD, json!({})),
        token: None,
    };
    let schedule = vec![vec![request]; options.clients];
    drive(&baseline.address, schedule.clone(), 1).await;
    let figures = drive(&baseline.address, schedule, options.seconds).await;
    let label = format!("raw-SQL baseline ({})", paging.name());
    println!(
        "[{}] {label:<28} dashboard {}",
        database.label,
        figures.line()
    );
    println!(
        "[{}] {label:<28} peak RSS {:.1} MiB",
        database.label,
        baseline.peak_mib()
    );
    figures.per_second()
}

/// Starts the baseline with `paging` over `database` and measures it.
async fn baseline(
    paging: baseline::Paging,
    database: &Database,
    options: &Options,
) -> (Process, f64) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--baseline-serve", &database.url, paging.name()]);
    let baseline = Process::start(command);
    let throughput = measure_baseline(&baseline, paging, database, options).await;
    (baseline, throughput)
}

async fn run(database: Database, options: &Options) {
    database.seed(&options.server, options.scale);
    let (window, window_rate) = baseline(baseline::Paging::Window, &database, options).await;
    drop(window);
    let (limit, limit_rate) = baseline(baseline::Paging::LimitPerGroup, &database, options).await;
    let ours = measure_server(
        "coalition (mimalloc)",
        &options.server,
        &database,
        options,
        &limit.address,
    )
    .await;
    println!(
        "[{}] dashboard throughput: {:.2}x the window baseline, {:.2}x the limit baseline",
        database.label,
        ours / window_rate,
        ours / limit_rate
    );
    if let Some(system) = &options.system_alloc {
        let theirs = measure_server(
            "coalition (system malloc)",
            system,
            &database,
            options,
            &limit.address,
        )
        .await;
        println!(
            "[{}] with the system allocator: {:.2}x the window baseline, {:.2}x the limit baseline; mimalloc / system: {:.2}",
            database.label,
            theirs / window_rate,
            theirs / limit_rate,
            ours / theirs
        );
    }
}

fn main() {
    let options = options();
    println!(
        "API benchmark: {} demo people, {} clients, {} s per phase, server {}",
        options.scale,
        options.clients,
        options.seconds,
        options.server.display()
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        run(sqlite_database(), &options).await;
        if let Some(admin) = options.postgres.clone() {
            run(postgres_database(&admin).await, &options).await;
        }
    });
}

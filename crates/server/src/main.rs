//! The `coalition` binary.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use coalition_domain::Clock;
use coalition_domain::people::Email;
use coalition_domain::stakeholder::StakeholderType;
use coalition_server::cli::{Cli, Command};
use coalition_server::config::Settings;
use coalition_server::{
    StartError, build_mail_worker, build_services, prepare_store, start, telemetry,
};
use coalition_services::ServiceError;
use coalition_services::accounts::AdminProfile;
use coalition_store::Backend;
use coalition_store::demo::DemoOutcome;

// A server allocator: fewer cycles in malloc/free and less fragmentation under concurrent
// requests than glibc's (BENCHMARKS.md, "API benchmark").
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::ExportSchema { output }) = &cli.command {
        return export_schema(output.as_deref());
    }
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("coalition: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("coalition: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // One line, on standard error, whatever the log format: what an operator reads.
            eprintln!("coalition: {}", failure.message);
            ExitCode::from(failure.exit_code)
        }
    }
}

/// Why a command failed, and the exit code that tells a supervisor whether to retry.
struct Failure {
    message: String,
    exit_code: u8,
}

impl From<StartError> for Failure {
    fn from(error: StartError) -> Self {
        Self {
            exit_code: error.exit_code(),
            message: error.to_string(),
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self {
            message,
            exit_code: 1,
        }
    }
}

async fn run(command: Command, settings: Settings) -> Result<(), Failure> {
    let clock = Clock::system();
    match command {
        Command::Serve => serve(settings, clock).await,
        Command::Migrate => {
            let mut settings = settings;
            settings.database.seed_on_start = false;
            settings.database.migrate_on_start = true;
            prepare_store(&settings, &clock).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed {
            demo: true,
            scale,
            force,
        } => seed_demo(settings, clock, scale, force).await,
        Command::Seed { demo: false, .. } => {
            let mut settings = settings;
            settings.database.seed_on_start = false;
            let store = prepare_store(&settings, &clock).await?;
            let report = store.seed().await.map_err(|e| e.to_string())?;
            tracing::info!(
                coalitions = report.coalitions,
                areas = report.areas,
                working_groups = report.working_groups,
                "seed complete"
            );
            coalition_server::tell_how_to_create_an_administrator(&store).await?;
            Ok(())
        }
        Command::CreateAdmin {
            email,
            name,
            organisation,
            country,
            language,
            time_zone,
        } => {
            let store = prepare_store(&settings, &clock).await?;
            let services = build_services(&settings, store.clone(), None).await?;
            let exists = match Email::parse(&email) {
                Ok(address) => store
                    .account_by_email(&address)
                    .await
                    .map_err(|e| e.to_string())?
                    .is_some(),
                Err(error) => return Err(error.to_string().into()),
            };
            let password = if exists { None } else { Some(read_password()?) };
            let profile = AdminProfile {
                display_name: name,
                organisation,
                country,
                stakeholder_type: StakeholderType::IntergovernmentalOrganisation,
                preferred_language: language,
                time_zone,
            };
            let (person, created) = services
                .create_admin(&email, password.as_deref(), profile)
                .await
                .map_err(|e| e.to_string())?;
            let what = if created {
                "created administrator"
            } else {
                "promoted to administrator"
            };
            println!("{what}: {} <{}>", person.display_name, person.email);
            Ok(())
        }
        Command::MailWorker => {
            let mut settings = settings;
            settings.database.seed_on_start = false;
            let store = prepare_store(&settings, &clock).await?;
            let worker = build_mail_worker(&settings, store)?;
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let running = tokio::spawn(worker.run(stopped));
            shutdown_signal().await;
            let _ = stop.send(true);
            let _ = running.await;
            Ok(())
        }
        Command::Backup { output } => backup(settings, &clock, &output).await,
        Command::ExportSchema { .. } => Ok(()),
    }
}

/// `coalition seed --demo --scale N [--force]`: prints what it added (or why not) on one line.
async fn seed_demo(
    settings: Settings,
    clock: Clock,
    scale: u32,
    force: bool,
) -> Result<(), Failure> {
    let mut settings = settings;
    settings.database.seed_on_start = false;
    let store = prepare_store(&settings, &clock).await?;
    let services = build_services(&settings, store, None).await?;
    let started = std::time::Instant::now();
    match services.seed_demo(scale, force).await {
        Ok(DemoOutcome::Seeded(report)) => {
            println!(
                "demo seeded in {:.1} s: {}",
                started.elapsed().as_secs_f64(),
                coalition_services::demo::describe(&report)
            );
            Ok(())
        }
        Ok(DemoOutcome::AlreadySeeded { people }) => {
            println!("demo data present already ({people} people): nothing added");
            Ok(())
        }
        Ok(DemoOutcome::RealPeoplePresent { people }) => Err(Failure {
            message: format!("the database holds {people} people who are not demo people"),
            exit_code: 3,
        }),
        Err(ServiceError::Conflict { message, .. }) => Err(Failure {
            message,
            exit_code: 3,
        }),
        Err(error) => Err(error.to_string().into()),
    }
}

/// `coalition backup --output FILE`: an online copy of a SQLite database.
async fn backup(mut settings: Settings, clock: &Clock, output: &Path) -> Result<(), Failure> {
    if Backend::from_url(&settings.database.url) == Some(Backend::Postgres) {
        return Err(Failure {
            message: "backup copies SQLite databases; for PostgreSQL use pg_dump (e.g. `pg_dump --format=custom --file=coalition.dump DATABASE_URL`)".to_owned(),
            exit_code: 2,
        });
    }
    if output.exists() {
        return Err(Failure {
            message: format!("{} exists already: choose a new file", output.display()),
            exit_code: 2,
        });
    }
    // Copy what is there: no migration or seed first, and no empty database made up.
    match coalition_store::sqlite_file(&settings.database.url) {
        Some(source) if source.is_file() => {}
        Some(source) => {
            return Err(Failure {
                message: format!(
                    "there is no database at {}: check database.url",
                    source.display()
                ),
                exit_code: 2,
            });
        }
        None => {
            return Err(Failure {
                message: "an in-memory database has nothing to back up".to_owned(),
                exit_code: 2,
            });
        }
    }
    settings.database.migrate_on_start = false;
    settings.database.seed_on_start = false;
    let store = prepare_store(&settings, clock).await?;
    match store.backup_sqlite(output).await {
        Some(Ok(())) => {
            tracing::info!(output = %output.display(), "backup written");
            Ok(())
        }
        Some(Err(error)) => Err(format!("backup to {} failed: {error}", output.display()).into()),
        None => Err("backup copies SQLite databases only".to_owned().into()),
    }
}

async fn serve(settings: Settings, clock: Clock) -> Result<(), Failure> {
    let mut server = start(&settings, clock).await?;
    tokio::select! {
        result = server.wait() => result.map_err(|e| format!("server failed: {e}").into()),
        () = shutdown_signal() => {
            tracing::info!("shutting down");
            server.shutdown().await;
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// The first line of standard input, without its line ending: the new account's password.
fn read_password() -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|error| format!("cannot read the password from standard input: {error}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err("no account has this address: give its password on standard input".to_owned());
    }
    Ok(password)
}

fn export_schema(output: Option<&std::path::Path>) -> ExitCode {
    let sdl = coalition_api::sdl();
    match output {
        Some(path) => match std::fs::write(path, sdl) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("coalition: cannot write {}: {error}", path.display());
                ExitCode::FAILURE
            }
        },
        None => {
            print!("{sdl}");
            ExitCode::SUCCESS
        }
    }
}

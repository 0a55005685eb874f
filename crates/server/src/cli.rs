//! The `coalition` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Backend for working-group collaboration: serves the GraphQL API.
#[derive(Debug, Parser)]
#[command(name = "coalition", version, about)]
pub struct Cli {
    /// A TOML file with settings (see config/default.toml); the environment still overrides it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Load the OER Dynamic Coalition (idempotent), then exit; with `--demo`, a demo
    /// population too.
    Seed {
        /// Also generate demo people (addresses at @demo.invalid, one shared password),
        /// memberships, meetings and documents: the same for the same scale and day. Adds
        /// nothing when demo people exist already.
        #[arg(long)]
        demo: bool,
        /// How many demo people.
        #[arg(long, default_value_t = 1000, requires = "demo")]
        scale: u32,
        /// Add the demo population even though the database holds real people.
        #[arg(long, requires = "demo")]
        force: bool,
    },
    /// Make an account a coalition administrator; when the address has no account, create
    /// one (already verified) with the password read from standard input.
    CreateAdmin {
        /// The account's email address.
        #[arg(long)]
        email: String,
        /// Display name of a new account.
        #[arg(long, default_value = "Secretariat")]
        name: String,
        /// Organisation of a new account.
        #[arg(long, default_value = "UNESCO")]
        organisation: String,
        /// Country (ISO 3166-1 alpha-2) of a new account.
        #[arg(long, default_value = "FR")]
        country: String,
        /// Preferred language of a new account.
        #[arg(long, default_value = "en")]
        language: String,
        /// IANA time zone of a new account.
        #[arg(long, default_value = "Europe/Paris")]
        time_zone: String,
    },
    /// Deliver queued mail, without serving the API (several may run at once).
    MailWorker,
    /// Copy a SQLite database, consistently, while servers use it (PostgreSQL: use pg_dump).
    Backup {
        /// The copy to write; it must not exist yet.
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Print the GraphQL schema (SDL).
    ExportSchema {
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

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
    /// Load the OER Dynamic Coalition (idempotent), then exit.
    Seed,
    /// Print the GraphQL schema (SDL).
    ExportSchema {
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

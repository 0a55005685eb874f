//! The coalition server: configuration, the HTTP application, start-up (migrations,
//! seed) and the command line.

pub mod cli;
pub mod config;
pub mod http;
pub mod metrics;
mod startup;
pub mod telemetry;
// Page texts and enum labels.
pub mod texts;

pub use startup::{
    CREATE_ADMIN_HINT, RedisConnection, RunningServer, StartError, build_mail_worker,
    build_services, connect_redis, load_token_key, prepare_store, start,
    tell_how_to_create_an_administrator,
};

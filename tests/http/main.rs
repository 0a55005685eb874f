//! Black-box tests: each starts the real server on an ephemeral loopback port, over a fresh
//! database on every backend (SQLite always; PostgreSQL when `TEST_DATABASE_URL` is set),
//! and talks HTTP to it.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod account_recovery;
mod accounts;
mod activity;
mod administration;
mod authorization;
mod binary;
mod coalition;
mod coalition_calendar;
mod concurrency;
mod cost;
mod demo_seed;
mod documents;
mod documents_s3;
mod graphiql;
mod graphql_over_http;
mod health;
// Notification inbox.
mod inbox;
// Content in the six UN languages.
mod labels;
mod languages;
mod live;
mod live_sessions;
mod mail;
mod mail_tokens;
mod meetings;
mod members;
mod membership;
mod my_account;
mod occurrences;
mod operations;
mod pages;
mod privacy;
mod statements;
mod storage;
// Meeting titles and descriptions in the six UN languages.
mod meeting_translations;

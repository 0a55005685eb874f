//! Opening the database, running migrations and starting write transactions.

use std::path::PathBuf;
use std::time::Duration;

use coalition_domain::Clock;
use coalition_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::error::StoreError;

/// How to reach the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
    /// How long to wait for a pooled connection.
    pub acquire_timeout: Duration,
    /// How long SQLite waits on a lock before giving up.
    pub busy_timeout: Duration,
    /// PostgreSQL: the longest one statement may run (a runaway query is cancelled
    /// instead of holding a connection).
    pub statement_timeout: Option<Duration>,
}

/// Which database engine is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A single SQLite file: the embedded default.
    Sqlite,
    /// PostgreSQL: for several instances.
    Postgres,
}

impl Backend {
    /// The backend a database URL names, if we support it.
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme)?;
        match scheme {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" | "postgresql" => Some(Backend::Postgres),
            _ => None,
        }
    }
}

/// The coalition's database: a pool plus the queries of each feature module.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    backend: Backend,
    /// "Now" for every timestamp written and every expiry checked.
    pub(crate) clock: Clock,
}

/// The connection pool as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections open.
    pub open: u32,
    /// Of those, how many wait unused.
    pub idle: usize,
}

impl Store {
    /// Opens a pool. For SQLite the file (and its folder) is created when missing, in WAL
    /// mode with foreign keys enforced and a busy timeout.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, StoreError> {
        let backend = Backend::from_url(&settings.url).ok_or_else(|| StoreError::Corrupt {
            field: "database.url",
            reason: "use a sqlite:// or postgres:// URL".to_owned(),
        })?;
        let mut options = ConnectOptions::new(settings.url.clone());
        options
            .max_connections(settings.max_connections)
            .min_connections(0)
            .acquire_timeout(settings.acquire_timeout)
            .connect_timeout(settings.acquire_timeout)
            .sqlx_logging(false);
        if backend == Backend::Sqlite {
            create_sqlite_folder(&settings.url)?;
            let busy_timeout = settings.busy_timeout;
            options.map_sqlx_sqlite_opts(move |sqlite| {
                sqlite
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(busy_timeout)
            });
        }
        if let (Backend::Postgres, Some(limit)) = (backend, settings.statement_timeout) {
            let limit = format!("{}ms", limit.as_millis());
            options.map_sqlx_postgres_opts(move |postgres| {
                postgres.options([("statement_timeout", limit.as_str())])
            });
        }
        let mut db = Database::connect(options).await?;
        db.set_metric_callback(crate::statements::count_statement);
        Ok(Self {
            db,
            backend,
            clock: Clock::system(),
        })
    }

    /// Wraps an open connection (tests and tools that manage their own pool).
    pub fn from_connection(mut db: DatabaseConnection) -> Self {
        db.set_metric_callback(crate::statements::count_statement);
        let backend = match db.get_database_backend() {
            DbBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        };
        Self {
            db,
            backend,
            clock: Clock::system(),
        }
    }

    /// The same store reading "now" from `clock` (tests pin it; production uses the system
    /// clock).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The clock this store reads "now" from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Which engine this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The underlying connection, for migrations and test fixtures.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Checks that the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.execute_unprepared("SELECT 1").await?;
        Ok(())
    }

    /// The pool's open connections and how many of them are idle (for metrics).
    pub fn pool_status(&self) -> Option<PoolStatus> {
        match self.db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                Some(PoolStatus {
                    open: pool.size(),
                    idle: pool.num_idle(),
                })
            }
            DbBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                Some(PoolStatus {
                    open: pool.size(),
                    idle: pool.num_idle(),
                })
            }
            _ => None,
        }
    }

    /// Writes a consistent copy of the SQLite database to `path` while it stays in use
    /// (`VACUUM INTO` reads one snapshot, as the backup API does). `path` must not exist.
    /// PostgreSQL has `pg_dump` for this; `None` is returned there and nothing is written.
    pub async fn backup_sqlite(&self, path: &std::path::Path) -> Option<Result<(), StoreError>> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        // A string literal in SQL: single quotes doubled.
        let target = path.to_string_lossy().replace('\'', "''");
        let copied = self
            .db
            .execute_unprepared(&format!("VACUUM INTO '{target}'"))
            .await;
        Some(copied.map(|_| ()).map_err(StoreError::from))
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await?;
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a transaction that reads then writes waits on the busy
    /// timeout instead of failing with SQLITE_BUSY halfway.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.backend == Backend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        Ok(self.db.begin_with_options(options).await?)
    }
}

/// SQLite creates the file but not its folder; `data/` must exist on a fresh checkout.
/// The file a `sqlite:` URL names; `None` for an in-memory database or another backend.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite:")?
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn create_sqlite_folder(url: &str) -> Result<(), StoreError> {
    let Some(path) = sqlite_file(url) else {
        return Ok(());
    };
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|error| StoreError::Corrupt {
            field: "database.url",
            reason: format!("cannot create folder {}: {error}", folder.display()),
        })?;
    }
    Ok(())
}

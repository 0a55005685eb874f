//! Counting the SQL statements the store runs: in total (for the metrics endpoint) and per
//! request (a [`StatementTally`] in scope), so that a query's cost in round trips can be
//! watched and tested.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

static TOTAL: AtomicU64 = AtomicU64::new(0);

tokio::task_local! {
    static TALLY: StatementTally;
}

/// How many statements every store of this process has run since it started.
pub fn statements_total() -> u64 {
    TOTAL.load(Ordering::Relaxed)
}

/// Counts the statements run by the futures it scopes (a request, and the batch loads it
/// spawns inside the same scope).
#[derive(Debug, Clone, Default)]
pub struct StatementTally(Arc<AtomicU64>);

impl StatementTally {
    /// A tally at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Statements counted so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Runs `future` with this tally counting its statements.
    pub fn scope<F: Future>(self, future: F) -> impl Future<Output = F::Output> {
        TALLY.scope(self, future)
    }

    /// The tally of the running task, if one is in scope.
    pub fn current() -> Option<Self> {
        TALLY.try_with(Clone::clone).ok()
    }
}

/// The store's metric callback: called once per statement, on the task that ran it.
pub(crate) fn count_statement(_: &sea_orm::metric::Info<'_>) {
    TOTAL.fetch_add(1, Ordering::Relaxed);
    // Outside a tally's scope (background tasks) there is nothing more to count.
    let _ = TALLY.try_with(|tally| tally.0.fetch_add(1, Ordering::Relaxed));
}
